"""Teachers: text-only interface, rubric parsing, allow-list, local HF and OpenAI-compatible backends."""

from __future__ import annotations

import json
import threading
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from babylm.errors import BabyLMError
from babylm.tracks.interaction.teachers import (
    LocalHFTeacher,
    OpenAICompatTeacher,
    ScriptedTeacher,
    Teacher,
    check_teacher_allowed,
    make_teacher,
    parse_rubric_score,
)
from babylm.tracks.rules import get_track

INTERACTION = get_track("interaction")


def test_rubric_parsing_explicit_failures():
    ok = parse_rubric_score("Readability: 3\nnarrative = 1\ncreativity: 2")
    assert ok.value == pytest.approx(6 / 9) and ok.parse_error is None
    missing = parse_rubric_score("readability: 3, narrative: 1")
    assert missing.value is None and "creativity" in missing.parse_error and missing.raw.startswith("readability")
    bad = parse_rubric_score("readability: 7 narrative: 1 creativity: 1")
    assert bad.value is None and "0-3" in bad.parse_error
    assert parse_rubric_score("I liked it a lot!").value is None


def test_scripted_teacher_rules_and_text_only():
    t = ScriptedTeacher({"correct": lambda c, s: "The dog runs.", "score": "readability: 1"})
    assert t.correct("ctx", "dog run") == "The dog runs."
    r = t.score("ctx", "x", rubric=("readability",))
    assert r.value == pytest.approx(1 / 3)
    assert t.respond({"turn": 1}) == "ok"
    assert t.generate("a b c d", max_words=2) == "c d"

    class Leaky(Teacher):
        def _generate(self, prompt, max_words):
            return [0.1, 0.9]  # a distribution must never pass

    with pytest.raises(TypeError, match="only text"):
        Leaky().generate("x")


def test_allow_list():
    check_teacher_allowed("meta-llama/Llama-3.2-1B-Instruct", INTERACTION)
    check_teacher_allowed("some/tiny-lm", INTERACTION, n_params=50_000_000)
    with pytest.raises(BabyLMError, match="not allowed.*Llama-3.2-3B-Instruct.*1,000,000,000.*unknown"):
        check_teacher_allowed("some/big-lm", INTERACTION)
    with pytest.raises(BabyLMError, match="has 2,000,000,000"):
        check_teacher_allowed("some/big-lm", INTERACTION, n_params=2_000_000_000)
    check_teacher_allowed("Qwen/Qwen3-8B", get_track("2026/strict"))
    with pytest.raises(BabyLMError, match="does not allow a teacher"):
        check_teacher_allowed("meta-llama/Llama-3.2-1B-Instruct", get_track("strict-small"))
    check_teacher_allowed("x", INTERACTION.scaled(Fraction(1, 1000)), n_params=10)


def test_local_hf_teacher(tiny_teacher_dir):
    t = LocalHFTeacher(tiny_teacher_dir)
    assert t.n_params < 1_000_000_000 and t.model_id.startswith("local:")
    check_teacher_allowed(t.model_id, INTERACTION, t.n_params)
    out = t.generate("the dog", max_words=5)
    assert isinstance(out, str) and len(out.split()) <= 5
    fixed = t.correct("the dog", "runs runs runs")
    assert isinstance(fixed, str) and len(fixed.split()) <= 8
    assert t.generate("the dog", max_words=5) == LocalHFTeacher(tiny_teacher_dir).generate("the dog", max_words=5)
    res = t.score("the dog", "runs")  # an untrained tiny model cannot follow a rubric: explicit failure
    assert res.value is None and res.parse_error
    with pytest.raises(BabyLMError, match="no config.json"):
        LocalHFTeacher(tiny_teacher_dir.parent / "nope")


class _Handler(BaseHTTPRequestHandler):
    requests: list[tuple[str, dict]] = []

    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Handler.requests.append((self.path, body, self.headers.get("Authorization")))
        if body.get("model") == "flaky" and len([r for r in _Handler.requests if r[1]["model"] == "flaky"]) == 1:
            self.send_response(503)
            self.end_headers()
            return
        if body.get("model") == "broken":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"internal error")
            return
        if self.path == "/v1/completions":
            text = "readability: 2\nnarrative: 2\ncreativity: 1" if "Scores:" in body["prompt"] else " the dog runs home now"
            data = {"choices": [{"text": text}]}
        elif self.path == "/v1/chat/completions":
            data = {"choices": [{"message": {"role": "assistant", "content": "The cat sleeps."}}]}
        else:
            data = {"nothing": True}
        payload = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    _Handler.requests.clear()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_openai_compatible_teacher(server):
    t = OpenAICompatTeacher(server + "/v1", "meta-llama/Llama-3.2-1B-Instruct", api_key="k")
    assert t.generate("once upon", max_words=3) == "the dog runs"
    path, body, auth = _Handler.requests[-1]
    assert path == "/v1/completions" and body["model"] == "meta-llama/Llama-3.2-1B-Instruct" and auth == "Bearer k"
    assert body["prompt"] == "once upon" and body["temperature"] == 0.0
    res = t.score("ctx", "student words")
    assert res.value == pytest.approx(5 / 9) and "narrative: 2" in res.raw
    chat = make_teacher(server, model="meta-llama/Llama-3.2-1B-Instruct", chat=True)
    assert chat.correct("ctx", "cat sleep") == "The cat sleeps."
    assert _Handler.requests[-1][0] == "/v1/chat/completions"
    assert _Handler.requests[-1][1]["messages"][0]["role"] == "user"


def test_openai_compatible_errors(server):
    with pytest.raises(BabyLMError, match="answered 500"):
        OpenAICompatTeacher(server, "broken", backoff_s=0.01).generate("x")
    assert sum(r[1]["model"] == "broken" for r in _Handler.requests) == 3  # 1 try + 2 retries
    with pytest.raises(BabyLMError, match="cannot reach"):
        OpenAICompatTeacher("http://127.0.0.1:9", "m", timeout=2, backoff_s=0.01).generate("x")
    # a server busy once (503) is retried and then answers
    assert OpenAICompatTeacher(server, "flaky", backoff_s=0.01).generate("once upon", max_words=2) == "the dog"


def test_make_teacher_specs(tiny_teacher_dir):
    assert isinstance(make_teacher("scripted"), ScriptedTeacher)
    assert isinstance(make_teacher(f"local:{tiny_teacher_dir}"), LocalHFTeacher)
    with pytest.raises(BabyLMError, match="teacher-model"):
        make_teacher("http://127.0.0.1:1")
    with pytest.raises(BabyLMError, match="unknown teacher"):
        make_teacher("gpt4")
