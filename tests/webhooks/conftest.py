"""Webhook fixtures: tasks run inline, private addresses allowed, a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.jobs.queue import huey
from app.webhooks.models import EVENTS


@dataclass
class Receiver:
    """Records every POST; answers with the next status in `statuses` (then 200)."""

    url: str = ""
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@pytest.fixture(autouse=True)
def _inline_jobs(app, monkeypatch):
    monkeypatch.setattr(huey, "immediate", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    app.extensions["webhook_subscriptions"].forget()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers), body))
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def endpoint(client, admin, auth, receiver):
    """An endpoint for every event at the receiver, registered through the API; (json, admin headers)."""
    headers = auth(admin)
    body = {
        "url": receiver.url,
        "events": list(EVENTS),
        "secret": "s" * 32,
    }
    r = client.post("/api/webhooks/", json=body, headers=headers)
    assert r.status_code == 201, r.json
    return r.json, headers
