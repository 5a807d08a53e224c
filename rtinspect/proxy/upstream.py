"""Where and how the proxy connects upstream for one app connection.

The app keeps its path and query (``/v1/realtime?model=...``); the upstream setting supplies the
scheme and host. Credentials: the app's own auth header goes upstream untouched; only when it sent
none, and the user asked for it (``--inject-key``), does the proxy add
``Authorization: Bearer $OPENAI_API_KEY`` (else any web page or local process could spend the key).
Every credential seen is registered with ``rtinspect.secrets`` so that no recording, line or error
can show it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rtinspect.errors import UserError
from rtinspect.secrets import AUTH_HEADER_NAMES as AUTH_HEADERS
from rtinspect.secrets import credential_tokens, register_secret

DEFAULT_UPSTREAM = "wss://api.openai.com/v1/realtime"

# The WebSocket handshake's own headers: noise in a recording, never what the app meant to send.
HANDSHAKE_HEADERS = frozenset(
    {
        "host",
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
    }
)
# Request headers that belong to one hop (the app -> proxy handshake) and are not passed on.
HOP_HEADERS = HANDSHAKE_HEADERS | frozenset(
    {
        "sec-websocket-protocol",
        "sec-websocket-accept",
        "content-length",
        "transfer-encoding",
        "keep-alive",
        "te",
        "trailer",
        "proxy-connection",
        "user-agent",
    }
)


def check_upstream(url: str) -> str:
    """Validate an upstream URL given on the command line; http(s) is accepted as ws(s)."""
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss") or not parts.hostname:
        raise UserError(f"upstream must be a ws:// or wss:// URL (or 'embedded'), got {url!r}")
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def upstream_url(upstream: str, request_path: str) -> str:
    """The URL to open upstream for an app that asked for ``request_path`` (path + query).

    The app's path wins, except when it is empty or a tail of the upstream's own path (an app
    configured with base ``ws://127.0.0.1:8765`` asking for ``/realtime``); query parameters
    of both are kept, the app's last so they win.
    """
    up = urlsplit(upstream)
    req = urlsplit(request_path)
    path = req.path or "/"
    up_path = up.path.rstrip("/")
    if up_path and (path == "/" or up_path.endswith(path.rstrip("/"))):
        path = up.path
    query = dict(parse_qsl(up.query, keep_blank_values=True))
    query.update(parse_qsl(req.query, keep_blank_values=True))
    return urlunsplit((up.scheme, up.netloc, path, urlencode(query, safe="/:[]"), ""))


def forward_headers(
    request_headers: Iterable[tuple[str, str]], env_key: str | None = None, *, inject: bool = False
) -> tuple[list[tuple[str, str]], bool]:
    """Headers to send upstream and whether the proxy injected the key itself.

    ``env_key`` defaults to ``OPENAI_API_KEY``; it is added only with ``inject`` and only when the
    app sent no credential (neither a header nor a browser-style key subprotocol).
    """
    out: list[tuple[str, str]] = []
    has_auth = False
    for name, value in request_headers:
        lower = name.lower()
        for token in credential_tokens(name, value):
            has_auth = True
            register_secret(token)
        if lower in HOP_HEADERS:
            continue
        if lower in AUTH_HEADERS:
            has_auth = True
            register_secret(value)
        out.append((name, value))
    injected = False
    if inject and not has_auth:
        key = env_key if env_key is not None else os.environ.get("OPENAI_API_KEY")
        if key:
            register_secret(key)
            out.append(("Authorization", f"Bearer {key}"))
            injected = True
    return out, injected


def requested_subprotocols(request_headers: Iterable[tuple[str, str]]) -> list[str]:
    protos: list[str] = []
    for name, value in request_headers:
        if name.lower() == "sec-websocket-protocol":
            protos.extend(p.strip() for p in value.split(",") if p.strip())
    return protos
