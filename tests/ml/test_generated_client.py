"""A client generated from /api/schema/ with openapi-python-client drives a workflow against a live server."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from app.auth import service as auth_service

PACKAGE = "ticket_api_client"


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The test app served by werkzeug on a free 127.0.0.1 port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def generated(client, tmp_path, monkeypatch):
    """The generated client package, importable for this test."""
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(client.get("/api/schema/").json))
    tool = [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec), "--meta", "none"]
    done = subprocess.run(
        [*tool, "--output-path", str(tmp_path / PACKAGE)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    for module in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[module]


@pytest.mark.slow
def test_generated_client_workflow(generated, live_server, serving, agent, make_ticket):
    _, token = auth_service.issue_token(user=agent, name="generated client")
    client = generated("client").AuthenticatedClient(
        base_url=live_server, token=token, raise_on_unexpected_status=True
    )
    models = generated("models")
    uncategorised = make_ticket(title="Where is my refund?", description="Still waiting for the refund.")

    ready = generated("api.health.get_health_ready").sync(client=client)
    assert isinstance(ready, models.Ready) and ready.status.value == "ok"
    page = generated("api.tickets.get_api_tickets").sync(client=client, page_size=100)
    assert uncategorised.id in [t.id for t in page] and any(t.category is None for t in page)
    one = generated("api.tickets.get_api_tickets_ticket_id").sync(ticket_id=uncategorised.id, client=client)
    assert one.title == "Where is my refund?" and one.category is None

    body = models.TicketCreate(title="Charged twice", description="Two payments for one invoice on my card.")
    created = generated("api.tickets.post_api_tickets").sync(client=client, body=body)
    assert isinstance(created, models.Ticket) and created.id
    moved = generated("api.tickets.post_api_tickets_ticket_id_transition").sync(
        ticket_id=created.id,
        client=client,
        body=models.Transition(status=models.TransitionStatus.IN_PROGRESS),
    )
    assert moved.status.value == "IN_PROGRESS"
    events = generated("api.tickets.get_api_tickets_ticket_id_events").sync(
        ticket_id=created.id, client=client
    )
    assert [e.kind.value for e in events][0] == "created" and events[-1].to_value == "IN_PROGRESS"
    similar = generated("api.ml_tickets.get_api_tickets_ticket_id_similar").sync(
        ticket_id=created.id, client=client, top=3
    )
    assert isinstance(similar, list) and all(isinstance(s, models.SimilarTicket) for s in similar)
    text = models.Text(title="Refund please", description="I was billed twice for my subscription.")
    prediction = generated("api.ml.post_api_ml_predict").sync(client=client, body=text)
    assert isinstance(prediction, models.Prediction) and prediction.model_version
    trends = generated("api.analytics.get_api_analytics_trends").sync(client=client, days=30)
    assert isinstance(trends, models.Trends) and trends.total >= 2
