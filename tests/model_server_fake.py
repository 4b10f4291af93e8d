"""A local fake of an OpenAI-compatible model server (threading http.server on 127.0.0.1:0).

`server.mode` picks the answer to POST /v1/chat/completions: "good" (a chat completion whose content is
`server.content`), "malformed" (a completion whose content is not the recipe object), "not_json" (a 200 that is
not a completion at all), "timeout" (answers after `server.delay` seconds), "error" (HTTP 500). Every request is
kept in `server.requests` as (path, headers, json body)."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GOOD_DRAFT = {
    "name": "Lavender Castile", "yield_quantity": 10, "yield_unit": "each",
    "lines": [{"name": "  olive OIL ", "quantity": 700, "unit": "g"},
              {"name": "Sodium hydroxide", "quantity": "93.5", "unit": "g"},
              {"name": "Dragon tears", "quantity": 5, "unit": "mL"}],
    "notes": "Cure 4 weeks.",
}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):  # noqa: N802
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        server.requests.append((self.path, dict(self.headers), body))
        if server.mode == "timeout":
            time.sleep(server.delay)
        if server.mode == "error":
            self._send(500, {"error": {"message": "overloaded"}})
            return
        if server.mode == "not_json":
            self._send_text(200, "<html>gateway</html>")
            return
        content = server.content if server.mode in ("good", "timeout") else "Sure! Here is a lovely soap recipe."
        self._send(200, {"id": "chatcmpl-1", "object": "chat.completion", "model": (body or {}).get("model"),
                         "choices": [{"index": 0, "finish_reason": "stop",
                                      "message": {"role": "assistant", "content": content}}]})

    def _send(self, status, payload):
        self._send_text(status, json.dumps(payload), "application/json")

    def _send_text(self, status, text, content_type="text/html"):
        data = text.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass


class FakeModelServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = "good"
        self.delay = 2.0
        self.content = json.dumps(GOOD_DRAFT)
        self.requests: list = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def start(self) -> "FakeModelServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
