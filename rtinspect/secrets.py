"""Keep credentials out of recordings, screens, log lines, exports and error messages.

The one scrubber: every place that writes or shows a URL, a header set, an event or free text that
may hold a key goes through here, and this module is the one owner of what carries a credential:

- headers by name: ``Authorization`` (any scheme), ``api-key`` (Azure), ``x-api-key``, cookies;
- the browser subprotocols ``openai-insecure-api-key.<key>`` and ``openai-insecure-ephemeral-key.<key>``
  (browsers cannot set headers on a WebSocket, so the key travels in ``Sec-WebSocket-Protocol``);
- URL user-info and key-like query parameters;
- ``client_secret`` (and other secret-named) fields of events;
- shapes: ``sk-...``, ``ek_...``, anything after ``Bearer `` in free text;
- any value equal to a secret seen at run time (``register_secret``), wherever it appears: a key
  found in one header is scrubbed from every frame, text and file written afterwards. The keys in
  the environment (``OPENAI_API_KEY``, ``AZURE_OPENAI_API_KEY``) are known from the start.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[redacted]"

AUTH_HEADER_NAMES = frozenset(
    {"authorization", "api-key", "openai-api-key", "x-api-key", "proxy-authorization"}
)
SECRET_HEADER_NAMES = AUTH_HEADER_NAMES | frozenset({"cookie", "set-cookie"})
SECRET_QUERY_NAMES = frozenset(
    {"api-key", "api_key", "apikey", "key", "token", "access_token", "client_secret", "sig", "signature"}
)
SECRET_FIELD_NAMES = frozenset({"client_secret", "api_key", "apikey", "authorization", "api-key"})
# Browser clients pass the key as a WebSocket subprotocol; both forms carry a credential.
KEY_SUBPROTOCOLS = ("openai-insecure-api-key.", "openai-insecure-ephemeral-key.")
ENV_KEY_NAMES = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY")

# Shapes of OpenAI keys and ephemeral secrets, plus any bearer token in free text.
_SECRET_RE = re.compile(r"(?:sk-[A-Za-z0-9_\-]{8,}|ek_[A-Za-z0-9_\-]{8,}|(?<=Bearer )[A-Za-z0-9_\-.=]{8,})")
_MIN_SECRET = 6
_extra_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret seen at run time (e.g. the key in use) so that every later scrub removes it
    wherever it appears, not only where it was found."""
    if isinstance(value, str):
        value = value.strip()
        if value.lower().startswith(("bearer ", "basic ")):
            value = value.split(" ", 1)[1].strip()
        if len(value) >= _MIN_SECRET:
            _extra_secrets.add(value)


def known_secrets() -> frozenset[str]:
    return frozenset(_extra_secrets)


def register_environment_keys(env: Mapping[str, str] = os.environ) -> None:
    for name in ENV_KEY_NAMES:
        register_secret(env.get(name))


def contains_known_secret(data: str | bytes) -> bool:
    """Whether ``data`` holds a registered secret verbatim (a fast substring test, no regex)."""
    if isinstance(data, bytes):
        return any(s.encode() in data for s in _extra_secrets)
    return any(s in data for s in _extra_secrets)


def redact_text(text: str) -> str:
    for secret in _extra_secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _SECRET_RE.sub(REDACTED, text)


def register_url_secrets(url: str) -> None:
    """Register the credentials a URL carries (user-info, key-like query values)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    if "@" in parts.netloc:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        register_secret(userinfo.split(":", 1)[1] if ":" in userinfo else userinfo)
    for k, v in parse_qsl(parts.query, keep_blank_values=True):
        if k.lower() in SECRET_QUERY_NAMES:
            register_secret(v)


def scrub_url(url: str) -> str:
    """The URL with credentials in user-info and secret-looking query parameters removed."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed netloc, which is then scrubbed as text
    except ValueError:
        return redact_text(url)
    register_url_secrets(url)
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
    return redact_text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


def credential_tokens(name: str, value: str) -> list[str]:
    """The secrets one request header carries: an auth header's token (after any scheme such as
    ``Bearer``), or the keys of browser-style key subprotocols."""
    lower = name.lower()
    if lower in AUTH_HEADER_NAMES:
        return [value.split(" ", 1)[1].strip() if " " in value.strip() else value.strip()]
    if lower == "sec-websocket-protocol":
        return [
            p.strip().split(".", 1)[1] for p in value.split(",") if p.strip().startswith(KEY_SUBPROTOCOLS)
        ]
    return []


def register_header_secrets(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[str]:
    """Register (and return) every credential in a header set, so it is scrubbed everywhere else."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    found = []
    for name, value in items:
        for token in credential_tokens(str(name), str(value)):
            register_secret(token)
            if len(token) >= _MIN_SECRET:
                found.append(token)
    return found


def scrub_subprotocols(value: str) -> str:
    """``realtime, openai-insecure-ephemeral-key.ek_...`` -> ``realtime, openai-insecure-ephemeral-key.[redacted]``."""
    out = []
    for p in value.split(","):
        p = p.strip()
        prefix = next((k for k in KEY_SUBPROTOCOLS if p.startswith(k)), None)
        out.append(prefix + REDACTED if prefix else redact_text(p))
    return ", ".join(out)


def scrub_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    items = list(headers.items() if isinstance(headers, Mapping) else headers)
    register_header_secrets(items)
    out: dict[str, str] = {}
    for name, value in items:
        lower = str(name).lower()
        if lower in SECRET_HEADER_NAMES:
            out[name] = REDACTED
        elif lower == "sec-websocket-protocol":
            out[name] = scrub_subprotocols(str(value))
        else:
            out[name] = redact_text(str(value))
    return out


def _register_field(value: Any) -> None:
    """A ``client_secret`` is a string or ``{"value": ..., "expires_at": ...}``: remember the secret."""
    if isinstance(value, str):
        register_secret(value)
    elif isinstance(value, dict):
        register_secret(value.get("value") if isinstance(value.get("value"), str) else None)


def scrub_event(value: Any) -> Any:
    """A copy of a JSON value with secret fields and secret-shaped (or known) strings replaced."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if isinstance(k, str) and k.lower() in SECRET_FIELD_NAMES and v not in (None, ""):
                _register_field(v)
                out[k] = REDACTED
            else:
                out[redact_text(k) if isinstance(k, str) and len(k) >= _MIN_SECRET else k] = scrub_event(v)
        return out
    if isinstance(value, list):
        return [scrub_event(v) for v in value]
    if isinstance(value, str) and len(value) >= _MIN_SECRET:
        return redact_text(value)
    return value


register_environment_keys()
