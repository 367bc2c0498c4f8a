"""A bounded schema-driven fuzz run over the OpenAPI document: 5xx, lost credentials, stray error shapes."""

from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode

FUZZ = settings(
    max_examples=30, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


def _one_shape(response: Any) -> bool:
    """A success, or an error in the API's one JSON shape: {code, status, message, errors}."""
    if response.status_code < 400:
        return True
    content_type = response.headers.get("content-type", [""])[0]  # schemathesis: lowercase keys, list values
    if not content_type.startswith("application/json"):
        return False
    body = response.json()
    status = HTTPStatus(response.status_code)
    return isinstance(body, dict) and body.get("code") == status.value and body.get("status") == status.phrase


def _cases(operation, known: dict[str, int]) -> st.SearchStrategy:
    """Valid and invalid requests; path ids are random or, as often, ids of rows that exist."""
    names = set(re.findall(r"{(\w+)}", operation.path)) & known.keys()
    fixed = {name: known[name] for name in names}
    return st.one_of(
        *(operation.as_strategy(mode) for mode in GenerationMode),
        *(operation.as_strategy(mode, path_parameters=fixed) for mode in GenerationMode if fixed),
    )


def fuzz_failures(
    app: Flask,
    headers: Callable[[Any], dict[str, str]],
    *,
    include: str | None = None,
    exclude: str | None = None,
    known: dict[str, int] | None = None,
) -> tuple[list, list[str]]:
    """Fuzz every operation whose path matches include and not exclude; returns (operations, failures).

    headers(case) gives each request its credentials, fresh, since a fuzzed request may revoke the last
    ones. A failure is a 5xx, a 401 to a valid request (a run that lost its credentials tests only 401s), or
    an error answered in another shape than the API's one JSON error.
    DELETEs run last, so the rows given in known are there for the other operations.
    """
    schema = schemathesis.openapi.from_wsgi("/api/schema/", app)
    if include:
        schema = schema.include(path_regex=include)
    if exclude:
        schema = schema.exclude(path_regex=exclude)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
    failures: list[str] = []
    for operation in operations:

        @FUZZ
        @given(case=_cases(operation, known or {}))
        def call(case) -> None:
            response = case.call(headers=headers(case))
            # A negative case may drop a required Authorization header: its 401 is the right answer.
            lost = response.status_code == 401 and case.meta.generation.mode.is_positive
            if response.status_code >= 500 or lost or not _one_shape(response):
                where = f"{case.method} {case.formatted_path}"
                failures.append(f"{where}: {response.status_code} {response.text[:300]}")

        call()
    return operations, failures
