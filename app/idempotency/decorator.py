"""The `idempotent` view decorator (under auth_required, above the flask-smorest decorators)."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from functools import wraps
from typing import Any

from flask import make_response, request

from app.auth.current import current_user
from app.error_docs import errors
from app.errors import DomainError
from app.extensions import db
from app.idempotency import service

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": "Any unique string (e.g. a UUID). A retry with the same key and body returns the first "
    "answer (marked `Idempotent-Replayed: true`) and creates nothing; the same key with another body is "
    "422. Keys are per user and kept at least 24 hours.",
}


def _key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise DomainError(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.",
            errors={HEADER: ["Invalid key."]},
        )
    return key


def idempotent(
    view: Callable[..., Any] | None = None, *, withhold: tuple[str, ...] = ()
) -> Callable[..., Any]:
    """Honour Idempotency-Key: claim it in the view's transaction, store a 2xx answer, replay it later.

    `withhold` names top-level JSON fields (secrets shown only once) that are not stored, so a replay
    answers without them rather than keeping a secret in clear for a day.
    """
    if view is None:
        return lambda inner: idempotent(inner, withhold=withhold)

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = _key()
        if key is None:
            return view(*args, **kwargs)
        digest = service.fingerprint(method=request.method, path=request.path, body=request.get_data())
        row = service.begin(user_id=current_user().id, key=key, digest=digest)
        if not service.is_claim(row):
            return service.replay(row)
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            db.session.rollback()  # releases the claim unless the view already committed its work
            raise
        if 200 <= response.status_code < 300:
            service.store(row, response, withhold=withhold)
        else:
            db.session.rollback()
        return response

    wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))  # type: ignore[attr-defined]
    manual = wrapper._apidoc.setdefault("manual_doc", {})  # type: ignore[attr-defined]
    manual.setdefault("parameters", []).append(PARAMETER)
    return errors(409)(wrapper)  # a concurrent request with the same key
