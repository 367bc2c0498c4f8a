"""Each operation in the OpenAPI document lists the error statuses it can answer, derived from its view.

Authentication (`auth_required`) brings 401 and 429 (failed password checks are throttled), a role list
403; a path parameter brings 404; a request body 400 (malformed JSON) and 413 (too large). A view
documents what only its service knows (a 409 for a refused transition, a 503 without a model) with
`@errors(...)`. Every such answer is the one error shape, a reference to flask-smorest's response.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from apispec import APISpec, BasePlugin
from flask import Flask

AUTH_MARK = "_auth_roles"
CODES_MARK = "_error_codes"


def mark_auth(target: Any, roles: Iterable[str]) -> None:
    """Note on a view or decorator that it authenticates, and which roles it admits (none: any user)."""
    setattr(target, AUTH_MARK, tuple(roles))


def errors(*codes: int) -> Callable[[Callable], Callable]:
    """Document error statuses a view's service can answer beyond those its shape implies."""

    def decorate(view: Callable) -> Callable:
        setattr(view, CODES_MARK, (*getattr(view, CODES_MARK, ()), *codes))
        return view

    return decorate


def _auth_roles(view_class: Any, method: Any) -> tuple[str, ...] | None:
    roles = getattr(method, AUTH_MARK, None)  # functools.wraps carries it out through later decorators
    for decorator in getattr(view_class, "decorators", ()):
        roles = getattr(decorator, AUTH_MARK, roles)
    return roles


def _codes(view_class: Any, method: Any, *, has_path_args: bool, has_body: bool) -> set[int]:
    codes = set(getattr(method, CODES_MARK, ()))
    roles = _auth_roles(view_class, method)
    if roles is not None:
        codes |= {401, 429} | ({403} if roles else set())
    if has_path_args:
        codes.add(404)
    if has_body:
        codes |= {400, 413}
    return codes


class ErrorResponses(BasePlugin):
    """An apispec plugin adding those statuses to each operation as flask-smorest registers it."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.spec: APISpec | None = None

    def init_spec(self, spec: APISpec) -> None:
        self.spec = spec

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        if rule is None or self.spec is None or not operations:
            return
        view_class = getattr(self.app.view_functions.get(rule.endpoint), "view_class", None)
        for method_name, operation in operations.items():
            method = getattr(view_class, method_name, None)
            codes = _codes(
                view_class, method, has_path_args=bool(rule.arguments), has_body="requestBody" in operation
            )
            responses = operation.setdefault("responses", {})
            documented = {str(code) for code in responses}
            for code in sorted(codes):
                if str(code) not in documented:
                    responses[str(code)] = self.spec.components.get_ref("response", HTTPStatus(code).name)


def register_error_docs(app: Flask, spec: APISpec) -> None:
    """Add the plugin to this app's spec (before any blueprint is registered)."""
    plugin = ErrorResponses(app)
    plugin.init_spec(spec)
    spec.plugins = (*spec.plugins, plugin)
