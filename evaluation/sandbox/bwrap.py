"""The bubblewrap command line of a sandboxed model process, and why a sandbox cannot start.

What the child sees: the Python interpreter, its site-packages and the babylm code (read-only, at their
own paths), /usr (read-only), the checkpoint at /checkpoint (read-only), a private empty /tmp, a new
/proc of its own PID namespace and a minimal /dev. It has no network (a new network namespace with no
interface up), no other files of the host (no home, no store, no other bundle), no capabilities, and
an environment of a few variables.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from babylm.errors import BabyLMError

CHECKPOINT_MOUNT = "/checkpoint"
OUT_MOUNT = "/out"
# Read-only from /etc: the dynamic loader cache and the user database (getpass, torch's cache dirs).
ETC_FILES = ("ld.so.cache", "ld.so.conf", "passwd", "group", "nsswitch.conf", "localtime")
BABYLM_PACKAGES = ("babylm", "babylm.evaluation", "babylm.tracks", "babylm.submissions")


class SandboxUnavailable(BabyLMError):
    """The sandbox cannot start here; model code is then refused, never run unsandboxed."""


def code_roots() -> list[Path]:
    """Folders the child needs read-only: the interpreter install, the venv, the babylm packages."""
    import importlib.util

    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    for name in BABYLM_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            roots.add(Path(spec.origin).resolve().parent)
    for p in (Path(sys.executable), Path(sys.executable).resolve()):
        roots.add(p.parent.resolve().parent)
    # /usr is bound whole; a root inside another root is bound with it.
    kept = sorted(r for r in roots if not _under(r, Path("/usr")))
    return [r for r in kept if not any(o != r and _under(r, o) for o in kept)]


def _under(p: Path, root: Path) -> bool:
    return p == root or root in p.parents


def bwrap_command(checkpoint: Path, *, tmp_bytes: int, out_dir: Path | None = None,
                  threads: int | None = None) -> list[str]:
    """argv that runs `python -m babylm.evaluation.sandbox.child` in the sandbox."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable("the sandbox needs bubblewrap (`bwrap`), which is not installed",
                                 hint="apt-get install bubblewrap")
    argv = [bwrap, "--unshare-all", "--unshare-user", "--cap-drop", "ALL", "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr"]
    for link in ("bin", "lib", "lib64", "sbin"):
        p = Path("/") / link
        if p.is_symlink():
            argv += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            argv += ["--ro-bind", str(p), str(p)]
    for name in ETC_FILES:
        argv += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    # The private /tmp first: Python, the venv or the checkout may live under /tmp (a CI clone), and a
    # later bind is mounted over the tmpfs, read-only, where an earlier one would be hidden by it.
    argv += ["--proc", "/proc", "--dev", "/dev", "--size", str(tmp_bytes), "--tmpfs", "/tmp"]
    for root in code_roots():
        argv += ["--ro-bind", str(root), str(root)]
    argv += ["--ro-bind", str(checkpoint.resolve()), CHECKPOINT_MOUNT]
    if out_dir is not None:
        argv += ["--bind", str(out_dir.resolve()), OUT_MOUNT]
    argv += ["--chdir", "/tmp", "--clearenv"]
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "HF_HOME": "/tmp/hf", "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1", "PYTHONDONTWRITEBYTECODE": "1",
           "TOKENIZERS_PARALLELISM": "false", "OMP_WAIT_POLICY": "PASSIVE", "BABYLM_SANDBOX_CHILD": "1",
           "LANG": "C.UTF-8"}
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    for k, v in env.items():
        argv += ["--setenv", k, v]
    return [*argv, "--", sys.executable, "-I", "-B", "-m", "babylm.evaluation.sandbox.child"]


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """None when a sandbox starts here; else exactly why not (cached for the process)."""
    if sys.platform != "linux":
        return f"the sandbox needs Linux namespaces (this is {sys.platform})"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap (`bwrap`) is not installed (apt-get install bubblewrap)"
    from babylm.evaluation.sandbox.procs import process_limit_problem

    problem = process_limit_problem()
    if problem:
        return problem
    try:
        r = subprocess.run([bwrap, "--unshare-all", "--unshare-user", "--cap-drop", "ALL", "--die-with-parent",
                            "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"],
                           capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap did not start: {exc}"
    if r.returncode != 0:
        why = (r.stderr or r.stdout).strip().splitlines()
        return (f"bubblewrap cannot create the sandbox's namespaces here: {why[-1] if why else f'exit {r.returncode}'}"
                " (user namespaces may be disabled: sysctl kernel.unprivileged_userns_clone / "
                "user.max_user_namespaces, or a container without CAP_SYS_ADMIN)")
    return None


def require_sandbox() -> None:
    """Raise SandboxUnavailable (with the reason) unless a sandbox can start."""
    why = unavailable_reason()
    if why:
        raise SandboxUnavailable(f"cannot run model code: the sandbox is unavailable: {why}",
                                 hint="custom model code is only ever run sandboxed; install bubblewrap and "
                                 "allow user namespaces, or use a model class that ships with transformers")
