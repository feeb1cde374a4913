"""A real multi-node Ray cluster for tests: a head (`ray start --head`) and worker nodes (`ray start
--address`), each worker in its own network namespace (ip netns + a veth pair) where the machine
allows, on loopback otherwise; nodes killed with SIGKILL by a marker in their environment (never
`ray stop`, which would stop every Ray on the machine). Also probe plugins and jobs that say where
they ran.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARK = "BABYLM_RAY_NODE"  # environment marker of every process of one node
LOG = "BABYLM_TEST_JOB_LOG"  # where probe_plugin appends "task_id node start|end"
# Fast node-death detection, so that a killed node's jobs are retried within seconds.
SYSTEM_CONFIG = {"health_check_initial_delay_ms": 0, "health_check_period_ms": 500,
                 "health_check_timeout_ms": 1000, "health_check_failure_threshold": 3}


def ray_bin() -> str:
    cand = Path(sys.executable).with_name("ray")
    return str(cand) if cand.exists() else (shutil.which("ray") or "ray")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _sh(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=30)


@dataclass
class Netns:
    """A network namespace joined to this one by a veth pair: host_ip here, ns_ip inside."""

    name: str
    host_if: str
    host_ip: str
    ns_ip: str

    @classmethod
    def make(cls) -> Netns | str:
        """A new namespace, or the reason none can be made here."""
        if os.geteuid() != 0 or not shutil.which("ip"):
            return "network namespaces need root and iproute2"
        tag = uuid.uuid4().hex[:6]
        a, b = random.randint(16, 31), random.randint(0, 255) & ~3
        ns = cls(f"babylm-{tag}", f"bzh{tag}", f"172.{a}.{b}.1", f"172.{a}.{b}.2")
        steps = [("ip", "netns", "add", ns.name),
                 ("ip", "link", "add", ns.host_if, "type", "veth", "peer", "name", f"bzn{tag}"),
                 ("ip", "link", "set", f"bzn{tag}", "netns", ns.name),
                 ("ip", "addr", "add", f"{ns.host_ip}/30", "dev", ns.host_if),
                 ("ip", "link", "set", ns.host_if, "up"),
                 (*ns.exec_prefix(), "ip", "addr", "add", f"{ns.ns_ip}/30", "dev", f"bzn{tag}"),
                 (*ns.exec_prefix(), "ip", "link", "set", f"bzn{tag}", "up"),
                 (*ns.exec_prefix(), "ip", "link", "set", "lo", "up")]
        for step in steps:
            r = _sh(*step)
            if r.returncode != 0:
                ns.remove()
                return f"`{' '.join(step)}` failed: {r.stderr.strip()}"
        return ns

    def exec_prefix(self) -> tuple[str, ...]:
        return ("ip", "netns", "exec", self.name)

    def remove(self) -> None:
        _sh("ip", "netns", "del", self.name)  # takes the veth pair with it
        _sh("ip", "link", "del", self.host_if)


@dataclass
class Node:
    mark: str
    ip: str
    netns: Netns | None = None


@dataclass
class RayCluster:
    """A head on `head_ip` (loopback, or the host side of a namespace's veth) and worker nodes."""

    head_ip: str
    temp_dir: Path
    env: dict[str, str]
    port: int = 0
    nodes: list[Node] = field(default_factory=list)
    netns: list[Netns] = field(default_factory=list)
    network: str = "loopback"  # or "netns": what the test output reports
    log: Path | None = None  # the probe plugin's log, when a test sets one

    @property
    def address(self) -> str:
        return f"{self.head_ip}:{self.port}"

    def driver_env(self) -> dict[str, str]:
        """What a driver (`babylm submission score --address ...`) needs in its environment."""
        return {k: self.env[k] for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN")}

    def _start(self, args: list[str], mark: str, ip: str, prefix: tuple[str, ...] = ()) -> None:
        env = {**self.env, MARK: mark, "RAY_USAGE_STATS_ENABLED": "0"}
        ports = [f"--{k}={free_port()}" for k in ("dashboard-agent-listen-port", "dashboard-agent-grpc-port",
                                                   "metrics-export-port", "runtime-env-agent-port")]
        cmd = [*prefix, ray_bin(), "start", *args, f"--node-ip-address={ip}", "--num-cpus=1", "--num-gpus=0",
               "--object-store-memory=80000000", "--disable-usage-stats", *ports]
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180, start_new_session=True)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        self.nodes.append(Node(mark, ip))

    def start_head(self) -> RayCluster:
        self.port = free_port()
        self._start(["--head", f"--port={self.port}", f"--temp-dir={self.temp_dir}", "--include-dashboard=false",
                     f"--system-config={json.dumps(SYSTEM_CONFIG)}"], f"{self.temp_dir.name}-head", self.head_ip)
        return self

    def add_worker(self, netns: Netns | None = None) -> Node:
        mark = f"{self.temp_dir.name}-w{len(self.nodes)}"
        ip = netns.ns_ip if netns else self.head_ip
        self._start([f"--address={self.address}"], mark, ip, netns.exec_prefix() if netns else ())
        self.nodes[-1].netns = netns
        return self.nodes[-1]

    def kill(self, node: Node) -> list[int]:
        """SIGKILL every process of `node` (its raylet, agents and workers); their pids."""
        pids = pids_marked(node.mark)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return pids

    def stop(self) -> None:
        for node in reversed(self.nodes):
            pids = pids_marked(node.mark)
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
        time.sleep(1.0)
        for node in reversed(self.nodes):
            self.kill(node)
        for ns in self.netns:
            ns.remove()
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def pids_marked(mark: str) -> list[int]:
    """Processes whose environment has MARK=mark (all of one node: Ray hands its env to its children)."""
    needle = f"{MARK}={mark}\0".encode()
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            if needle in (d / "environ").read_bytes() + b"\0":
                out.append(int(d.name))
        except OSError:
            continue
    return out


def start_cluster(env: dict[str, str], *, workers: int = 1, namespaces: int | None = None) -> RayCluster:
    """A head and `workers` worker nodes of 1 CPU each, worker i in network namespace i (of
    `namespaces`, default one per worker; cluster.netns, for workers added later) where the machine
    allows it, else all on loopback (cluster.network says which, and why)."""
    temp = Path(tempfile.mkdtemp(prefix="bzray", dir="/tmp"))  # short: Ray's socket paths live in it
    spaces: list[Netns] = []
    reason = "no namespace asked for"
    for _ in range(workers if namespaces is None else namespaces):
        ns = Netns.make()
        if isinstance(ns, str):
            reason = ns
            for made in spaces:
                made.remove()
            spaces = []
            break
        spaces.append(ns)
    if spaces:
        # One head address that every namespace reaches: the host end of the first pair; further
        # namespaces route to it through their own pair's host address.
        head_ip = spaces[0].host_ip
        for ns in spaces[1:]:
            _sh(*ns.exec_prefix(), "ip", "route", "add", f"{head_ip}/32", "via", ns.host_ip)
    else:
        head_ip = "127.0.0.1"
    # Token authentication (Ray's own): one fresh token for every node and for the drivers.
    env = {**env, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": uuid.uuid4().hex + uuid.uuid4().hex}
    cluster = RayCluster(head_ip=head_ip, temp_dir=temp, env=env, netns=spaces,
                         network="netns" if spaces else f"loopback ({reason})")
    try:
        cluster.start_head()
        for i in range(workers):
            cluster.add_worker(spaces[i] if i < len(spaces) else None)
    except Exception:
        cluster.stop()
        raise
    return cluster


# ---- what jobs run ----

def probe_plugin() -> None:
    """Plugin for the Ray tests: registers the toy task, logs "task_id node_mark start|end" around a
    sleep of BABYLM_TEST_JOB_SLEEP seconds (a retried Ray task keeps its task id)."""
    import submission_factory

    submission_factory.register_toy_task()
    log = os.environ.get(LOG)
    task = "driver"
    with contextlib.suppress(Exception):
        import ray

        if ray.is_initialized():
            task = ray.get_runtime_context().get_task_id() or "driver"
    node = os.environ.get(MARK, "none")

    def say(what: str) -> None:
        if log:
            with open(log, "a") as f:
                f.write(f"{task} {node} {what}\n")

    say("start")
    time.sleep(float(os.environ.get("BABYLM_TEST_JOB_SLEEP", "0")))
    say("end")


def slow_in_job_child() -> None:
    """Plugin: registers the toy task; sleeps BABYLM_TEST_JOB_SLEEP seconds in a job's child process
    only (not in the scorer itself, which imports the plugins too)."""
    import submission_factory

    submission_factory.register_toy_task()
    if os.environ.get("BABYLM_JOB_CHILD"):
        time.sleep(float(os.environ.get("BABYLM_TEST_JOB_SLEEP", "0")))


def read_log(path: Path) -> list[tuple[str, str, str]]:
    if not path.exists():
        return []
    return [tuple(line.split()) for line in path.read_text().splitlines() if len(line.split()) == 3]  # type: ignore[misc]


def probe_job(job: tuple[str, float]) -> dict[str, Any]:
    """A job for the executor tests: ("sleep", s), ("alloc", MB) or ("pid", 0); never raises."""
    what, n = job
    try:
        if what == "sleep":
            time.sleep(n)
        elif what == "alloc":
            buf = bytearray(int(n) * 1024 * 1024)
            buf[-1] = 1
        return {"ok": True, "pid": os.getpid()}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
