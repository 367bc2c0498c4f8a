"""Hide credentials in URLs and free text before they reach an answer or a log line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

MASK = "***"
# scheme://user:password@host or scheme://token@host: everything between :// and @ is a credential.
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<userinfo>[^/@\s'\"]+)@")
# ?password=..., &token=..., access_key=... in query strings.
_SECRET_PARAM = re.compile(
    r"(?P<name>\b(?:password|passwd|pwd|token|access_token|secret|api_key|apikey|access_key|key)=)"
    r"(?P<value>[^&\s'\"]+)",
    re.IGNORECASE,
)


def url_secrets(urls: Iterable[str | None]) -> list[str]:
    """The passwords in these URLs, raw and percent-decoded (to hide where a library echoes them bare)."""
    found: set[str] = set()
    for url in urls:
        try:
            password = urlsplit(url or "").password
        except ValueError:
            continue
        if password and len(password) >= 4:
            found |= {password, unquote(password)}
    return sorted(found, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """text with the credentials of any URL in it, and any of the given secrets, replaced by ***."""
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _SECRET_PARAM.sub(lambda m: f"{m['name']}{MASK}", text)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text
