"""A scripted OpenAI-compatible chat server on loopback (stands in for vLLM in tests)."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: JSON content (with optional per-token logprobs), or a failure."""

    content: str = ""
    token_logprobs: list[tuple[str, float]] | None = None
    status: int = 200
    delay_s: float = 0.0
    raw: bytes | None = None  # a non-JSON HTTP body (garbage)


@dataclass
class FakeLLM:
    """The server's script and what it received."""

    url: str
    replies: deque[Reply] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)


def json_reply(obj: dict[str, Any], *, logprob_of: dict[str, float] | None = None) -> Reply:
    """A reply whose content is ``obj`` as JSON, tokenised so each JSON string value is one
    token with the given log-probability (others 0.0)."""
    content = json.dumps(obj)
    if logprob_of is None:
        return Reply(content=content)
    tokens: list[tuple[str, float]] = []
    rest = content
    while rest:
        best = None
        for value, lp in logprob_of.items():
            i = rest.find(value)
            if i >= 0 and (best is None or i < best[0]):
                best = (i, value, lp)
        if best is None:
            tokens.append((rest, 0.0))
            break
        i, value, lp = best
        if i:
            tokens.append((rest[:i], 0.0))
        tokens.append((value, lp))
        rest = rest[i + len(value) :]
    return Reply(content=content, token_logprobs=tokens)


def _completion(reply: Reply, model: str) -> dict[str, Any]:
    choice: dict[str, Any] = {
        "index": 0,
        "message": {"role": "assistant", "content": reply.content},
        "finish_reason": "stop",
        "logprobs": None,
    }
    if reply.token_logprobs is not None:
        choice["logprobs"] = {
            "content": [
                {"token": t, "logprob": lp, "bytes": list(t.encode()), "top_logprobs": []}
                for t, lp in reply.token_logprobs
            ]
        }
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@contextmanager
def fake_llm_server() -> Iterator[FakeLLM]:
    """Start the server on a free loopback port; yields its state; stops it afterwards."""
    state = FakeLLM(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            return None

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append(body)
            reply = state.replies.popleft() if state.replies else Reply(status=500)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.raw is not None:
                payload = reply.raw
            elif reply.status != 200:
                payload = json.dumps(
                    {"error": {"message": "scripted failure", "type": "invalid_request_error"}}
                ).encode()
            else:
                payload = json.dumps(_completion(reply, body.get("model", "m"))).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client timed out first
                return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
