"""Every error is JSON in the one shape {code, status, message?, errors?}."""

import pytest
from flask import Blueprint


def _assert_error_shape(r, code):
    assert r.status_code == code
    assert r.is_json, r.data[:200]
    assert r.json["code"] == code and isinstance(r.json["status"], str)


@pytest.mark.parametrize(
    "method,path,code",
    [
        ("get", "/no/such/route", 404),
        ("get", "/api/tickets/abc/", 404),
        ("delete", "/api/tickets/", 405),
        ("put", "/api/users/me/", 405),
    ],
)
def test_routing_errors_are_json(client, method, path, code):
    _assert_error_shape(getattr(client, method)(path), code)


def test_unexpected_exception_is_a_json_500_without_details():
    from app import create_app
    from app.config import TestConfig

    app = create_app(TestConfig())
    boom = Blueprint("boom", __name__)

    @boom.route("/boom")
    def explode():
        raise RuntimeError("secret internals")

    app.register_blueprint(boom)
    r = app.test_client().get("/boom")
    _assert_error_shape(r, 500)
    assert "secret" not in r.get_data(as_text=True)
