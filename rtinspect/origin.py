"""Who may open a WebSocket to a local rtinspect endpoint: the one origin rule.

Why: a local endpoint that lends the user's key (the proxy adding ``OPENAI_API_KEY``, a collector
forwarding to the API) can be reached by any web page the user has open, since browsers let a page
open a WebSocket to ``127.0.0.1`` (cross-site WebSocket hijacking). Browsers always send an
``Origin`` header on a WebSocket handshake and a page cannot forge or remove it; the clients a
developer points at rtinspect (the openai SDKs, ``websockets``, curl) send none. So: a handshake
without ``Origin`` is accepted, one with an ``Origin`` is refused unless the user allowed it with
``--allow-origin`` (an exact origin or a glob such as ``http://localhost:*``).

Every listener that accepts connections from the user's machine calls ``check_origin`` on the
handshake and answers HTTP 403 with the line it returns (the proxy, ``capture``/``collect``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase

ALLOW_FLAG = "--allow-origin"


def normalise_origin(origin: str) -> str:
    """Origins compare case-insensitively and without a trailing slash (``https://A.example/``)."""
    return origin.strip().rstrip("/").lower()


def origin_allowed(origin: str | None, allowed: Iterable[str] = ()) -> bool:
    """True for a handshake without an ``Origin`` header, or one that an allowed pattern matches."""
    if origin is None:
        return True
    value = normalise_origin(origin)
    return any(fnmatchcase(value, normalise_origin(pattern)) for pattern in allowed)


def origin_of(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> str | None:
    """The ``Origin`` header of a handshake (any case), or None when there is none."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    for name, value in items:
        if name.lower() == "origin":
            return value
    return None


def refusal_line(origin: str, listener: str = "rtinspect") -> str:
    """The one line a refused handshake logs: which origin, and how to allow it."""
    shown = origin.strip()[:200].replace("\n", " ").replace("\r", " ")
    return (
        f"{listener}: refused a WebSocket from origin {shown!r} (a web page cannot use this endpoint); "
        f"to allow it, run with {ALLOW_FLAG} {shown!r}"
    )


def check_origin(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    allowed: Iterable[str] = (),
    listener: str = "rtinspect",
) -> str | None:
    """None when the handshake may proceed, else the refusal line (answer HTTP 403 and log it)."""
    origin = origin_of(headers)
    if origin_allowed(origin, allowed):
        return None
    assert origin is not None
    return refusal_line(origin, listener)
