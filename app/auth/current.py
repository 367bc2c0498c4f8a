"""Who is calling: HTTP Basic or Bearer token authentication for the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from app.auth.models import User
from app.auth.service import authenticate_token
from app.auth.throttle import checked_password
from app.auth.token_cache import token_cache
from app.database import request_reads_only
from app.error_docs import mark_auth
from app.errors import Forbidden, Unauthorized
from app.throttling import enforce_user_limit


def _user_from_request() -> User:
    auth = request.authorization
    if auth is None:
        raise Unauthorized("Authentication required: send HTTP Basic credentials or a Bearer token.")
    if auth.type == "bearer" and auth.token:
        cache = token_cache()  # asked about writes first: a worker serving only reads starts its feed too
        user = authenticate_token(
            auth.token, cache=cache if cache.covers_writes() or request_reads_only() else None
        )
    elif auth.type == "basic" and auth.username is not None:
        user = checked_password(username=auth.username, password=auth.password or "", via="basic")
    else:
        raise Unauthorized("Unsupported Authorization scheme: use Basic or Bearer.")
    if user is None:
        raise Unauthorized("Invalid credentials, or the account or token is inactive.")
    return user


def current_user() -> User:
    """The authenticated user of this request (set by auth_required)."""
    return g.current_user


def auth_required(*roles: str, basic_only: bool = False) -> Callable:
    """Authenticate the request, then check the caller's role when roles are given."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if basic_only and (request.authorization is None or request.authorization.type != "basic"):
                raise Unauthorized("This endpoint requires HTTP Basic credentials.")
            user = _user_from_request()
            if roles and user.role not in roles:
                raise Forbidden(f"This action requires the role {' or '.join(roles)}.")
            g.current_user = user
            enforce_user_limit(user.id)
            return view(*args, **kwargs)

        mark_auth(wrapper, roles)
        return wrapper

    mark_auth(decorator, roles)  # as a MethodView's class-wide decorator
    return decorator
