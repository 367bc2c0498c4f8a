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
