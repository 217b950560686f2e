"""A minimal OpenAI-compatible chat server (POST /v1/chat/completions, GET /v1/models) on 127.0.0.1.

One model, one request at a time (a lock around generation); enough for `ciport eval --engine openai`
against a local checkpoint, not a production server.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .generate import Generator, SamplingParams

MAX_BODY = 1 << 20


class ChatServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, generator: Generator, model_name: str, host: str = "127.0.0.1", port: int = 0,
                 default_max_tokens: int = 256):
        super().__init__((host, port), _Handler)
        self.generator = generator
        self.model_name = model_name
        self.default_max_tokens = default_max_tokens
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _BadRequest(Exception):
    pass


def _params(body: dict, default_max_tokens: int) -> SamplingParams:
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens", default_max_tokens))
    temperature = body.get("temperature", 0.0)
    top_p = body.get("top_p", 1.0)
    seed = body.get("seed", 0)
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise _BadRequest("max_tokens must be a positive integer")
    for name, value in (("temperature", temperature), ("top_p", top_p)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise _BadRequest(f"{name} must be a non-negative number")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise _BadRequest("seed must be an integer")
    sample = float(temperature) > 0
    return SamplingParams(max_new_tokens=max_tokens, do_sample=sample,
                          temperature=float(temperature) if sample else 1.0,
                          top_p=float(top_p) if sample else 1.0, seed=seed)


def _messages(body: dict) -> list[dict]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _BadRequest("messages must be a non-empty array")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant"):
            raise _BadRequest(f"messages[{i}].role must be system, user or assistant")
        content = m.get("content")
        if isinstance(content, list):  # [{"type": "text", "text": ...}]
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if not isinstance(content, str):
            raise _BadRequest(f"messages[{i}].content must be a string")
        out.append({"role": m["role"], "content": content})
    return out


class _Handler(BaseHTTPRequestHandler):
    server: ChatServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - goes to the log file via stderr
        import logging

        logging.getLogger("ciport_trainer.serve").info(format, *args)

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        self._send(status, {"error": {"message": message, "type": kind}})

    def do_GET(self):  # noqa: N802
        if self.path.rstrip("/") == "/v1/models":
            self._send(200, {"object": "list", "data": [
                {"id": self.server.model_name, "object": "model", "owned_by": "ciport"}]})
        elif self.path == "/health":
            self._send(200, {"status": "ok"})
        else:
            self._error(404, f"no route {self.path}")

    def do_POST(self):  # noqa: N802
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._error(404, f"no route {self.path}")
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
            if length <= 0 or length > MAX_BODY:
                raise _BadRequest("a JSON body of at most 1 MiB is required")
            body = json.loads(self.rfile.read(length))
            if not isinstance(body, dict):
                raise _BadRequest("the body must be a JSON object")
            if body.get("stream"):
                raise _BadRequest("stream is not supported")
            if body.get("n", 1) != 1:
                raise _BadRequest("only n=1 is supported")
            messages, params = _messages(body), _params(body, self.server.default_max_tokens)
        except (_BadRequest, ValueError) as exc:
            self._error(400, str(exc))
            return
        try:
            with self.server.lock:
                c = self.server.generator.complete([messages], params)[0]
        except Exception as exc:  # keep serving; the log has the traceback
            import logging

            logging.getLogger("ciport_trainer.serve").exception("generation failed")
            self._error(500, f"generation failed: {type(exc).__name__}", "server_error")
            return
        self._send(200, {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or self.server.model_name,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": c.text},
                         "finish_reason": c.finish_reason}],
            "usage": {"prompt_tokens": c.prompt_tokens, "completion_tokens": c.completion_tokens,
                      "total_tokens": c.prompt_tokens + c.completion_tokens},
        })
