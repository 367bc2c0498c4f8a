"""Driving the admin site with the Flask test client: CSRF tokens, login, form posts."""

from __future__ import annotations

import re

from tests.factories import PASSWORD

CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
LOGOUT_ACTION = 'action="/admin/logout/"'


def csrf_token(html: str, *, logout: bool = False) -> str:
    """The CSRF token of the page's first form other than the logout form (or of the logout form)."""
    for attributes, body in FORM.findall(html):
        if (LOGOUT_ACTION in attributes) == logout and (match := CSRF_INPUT.search(body)):
            return match.group(1)
    raise AssertionError("no form with a csrf_token in the page")


def _own_globals(client):
    """A fresh app context, so g is not shared with other clients of the test's outer context.

    The tests run inside one app context, which test-client requests reuse; Flask-WTF caches the
    session's CSRF token in g, so a second client would otherwise be handed the first one's token.
    """
    return client.application.app_context()


def login(client, username: str, password: str = PASSWORD, next_url: str | None = None):
    """Log in through the login form like a browser does; returns the POST response."""
    url = "/admin/login/" + (f"?next={next_url}" if next_url else "")
    with _own_globals(client):
        token = csrf_token(client.get(url).get_data(as_text=True))
        return client.post(url, data={"username": username, "password": password, "csrf_token": token})


def post_form(client, url: str, data: dict, *, form_page: str | None = None, follow_redirects: bool = True):
    """Fetch the page holding the form (default: url), then post data with its CSRF token."""
    with _own_globals(client):
        page = client.get(form_page or url)
        assert page.status_code == 200, page.status_code
        payload = {"csrf_token": csrf_token(page.get_data(as_text=True)), **data}
        return client.post(url, data=payload, follow_redirects=follow_redirects)
