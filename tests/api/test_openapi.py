"""The OpenAPI document is valid and exact enough for generated clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openapi_spec_validator import validate


def _nodes(node: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _nodes(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _nodes(value, f"{path}/{i}")


def test_the_document_is_valid_openapi(client):
    spec = client.get("/api/schema/").json
    validate(spec)
    assert spec["openapi"] == "3.0.3"


def test_every_nullable_enum_lists_null(client):
    spec = client.get("/api/schema/").json
    enums = [(path, node) for path, node in _nodes(spec) if node.get("nullable") and "enum" in node]
    assert enums, "the Ticket category at least is a nullable enum"
    assert [path for path, node in enums if None not in node["enum"]] == []


def test_readiness_and_pagination_headers_are_documented(client):
    spec = client.get("/api/schema/").json
    ready = spec["paths"]["/health/ready"]["get"]["responses"]
    assert ready["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Ready"}
    assert "503" in ready
    assert set(spec["components"]["schemas"]["Ready"]["properties"]) == {"status", "components"}
    listing = spec["paths"]["/api/tickets/"]["get"]["responses"]
    assert {"X-Pagination", "Link"} <= set(listing["200"]["headers"]) and "400" in listing
    params = {p["name"] for p in spec["paths"]["/api/tickets/"]["get"]["parameters"]}
    assert {"cursor", "page", "page_size", "count", "updated_after", "q", "lang"} <= params


def _documents(spec: dict, method: str, path: str, response) -> bool:
    return str(response.status_code) in spec["paths"][path][method]["responses"]


def test_the_error_statuses_operations_answer_are_documented(
    client, app, requester, agent, auth, make_ticket, monkeypatch
):
    monkeypatch.setitem(app.config, "MODEL_NAME", "never-trained")  # no champion: predict answers 503
    spec = client.get("/api/schema/").json
    ticket = make_ticket(created_by=requester)
    item = "/api/tickets/{ticket_id}/"
    big = {"title": "x", "description": "y" * (app.config["MAX_CONTENT_LENGTH"] + 1)}
    observed = [
        ("get", "/api/tickets/", client.get("/api/tickets/")),
        (
            "post",
            "/api/tickets/",
            client.post("/api/tickets/", data="{", content_type="application/json", headers=auth(agent)),
        ),
        ("post", "/api/tickets/", client.post("/api/tickets/", json=big, headers=auth(agent))),
        (
            "post",
            "/api/tickets/",
            client.post(
                "/api/tickets/",
                json={"title": "t", "description": "d", "category": "bug"},
                headers=auth(requester),
            ),
        ),
        ("get", item, client.get("/api/tickets/99999/", headers=auth(agent))),
        (
            "post",
            item + "transition/",
            client.post(
                f"/api/tickets/{ticket.id}/transition/", json={"status": "OPEN"}, headers=auth(agent)
            ),
        ),
        (
            "post",
            "/api/ml/predict/",
            client.post("/api/ml/predict/", json={"title": "t", "description": "d"}, headers=auth(agent)),
        ),
    ]
    assert sorted({r.status_code for _, _, r in observed}) == [400, 401, 403, 404, 409, 413, 503]
    assert [(m, p, r.status_code) for m, p, r in observed if not _documents(spec, m, p, r)] == []


def test_every_authenticated_operation_documents_401_and_429(client):
    spec = client.get("/api/schema/").json
    missing = [
        (method, path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method in {"get", "post", "put", "patch", "delete"}
        and path.startswith("/api/")
        and not {"401", "429"} <= set(operation["responses"])
    ]
    assert missing == []
