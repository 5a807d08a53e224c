"""Keep credentials out of recordings, screens, log lines and error messages.

Every place that writes or shows a URL, a header set or free text that may hold a key goes
through here. Redaction is by shape (``sk-...``, ``ek_...``, bearer tokens) and by name
(``api-key``, ``authorization``, ``client_secret``, ``key`` query parameters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[redacted]"

SECRET_HEADER_NAMES = frozenset(
    {"authorization", "api-key", "openai-api-key", "x-api-key", "proxy-authorization", "cookie", "set-cookie"}
)
SECRET_QUERY_NAMES = frozenset(
    {"api-key", "api_key", "apikey", "key", "token", "access_token", "client_secret", "sig", "signature"}
)
SECRET_FIELD_NAMES = frozenset({"client_secret", "api_key", "apikey", "authorization", "api-key"})

# Shapes of OpenAI keys and ephemeral secrets, plus any bearer token in free text.
_SECRET_RE = re.compile(r"(?:sk-[A-Za-z0-9_\-]{8,}|ek_[A-Za-z0-9_\-]{8,}|(?<=Bearer )[A-Za-z0-9_\-.=]{8,})")
_extra_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret seen at run time (e.g. the key in use) so free text is scrubbed of it too."""
    if value and len(value) >= 6:
        _extra_secrets.add(value)


def redact_text(text: str) -> str:
    for secret in _extra_secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _SECRET_RE.sub(REDACTED, text)


def scrub_url(url: str) -> str:
    """The URL with credentials in user-info and secret-looking query parameters removed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = REDACTED + "@" + netloc.rsplit("@", 1)[1]
    query = urlencode(
        [
            (k, REDACTED if k.lower() in SECRET_QUERY_NAMES else redact_text(v))
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="[]",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def scrub_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in items:
        if name.lower() in SECRET_HEADER_NAMES:
            out[name] = REDACTED
        elif name.lower() == "sec-websocket-protocol":
            # Browsers pass the key as a subprotocol: "openai-insecure-api-key.<key>".
            out[name] = ", ".join(
                REDACTED if p.strip().startswith("openai-insecure-api-key.") else p.strip()
                for p in value.split(",")
            )
        else:
            out[name] = redact_text(value)
    return out


def scrub_event(value: Any) -> Any:
    """A copy of a JSON value with secret fields and secret-shaped strings replaced."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if k.lower() in SECRET_FIELD_NAMES and v not in (None, "") else scrub_event(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub_event(v) for v in value]
    if isinstance(value, str) and len(value) >= 8:
        return redact_text(value)
    return value
