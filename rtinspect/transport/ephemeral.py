"""Mint an ephemeral client secret, the credential a browser or phone connects with.

GA: ``POST /v1/realtime/client_secrets`` with ``{expires_after: {anchor, seconds}, session}``
answers ``{value: "ek_...", expires_at, session}``. The retired beta used
``POST /v1/realtime/sessions`` answering ``{client_secret: {value, expires_at}}``. Stdlib HTTP
only: one request does not justify a dependency.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from rtinspect.errors import UserError
from rtinspect.protocol import Dialect
from rtinspect.secrets import redact_text, register_secret

OPENAI_API_BASE = "https://api.openai.com/v1"


@dataclass(frozen=True)
class ClientSecret:
    value: str
    expires_at: int | None
    session: dict[str, Any] | None


def mint_client_secret(
    api_key: str,
    *,
    session: dict[str, Any] | None = None,
    expires_seconds: int = 600,
    dialect: Dialect = Dialect.GA,
    api_base: str = OPENAI_API_BASE,
    timeout: float = 15.0,
) -> ClientSecret:
    """Ask the API for a short-lived secret; the secret is registered so it is never shown."""
    register_secret(api_key)
    if Dialect(dialect) is Dialect.BETA:
        url = f"{api_base.rstrip('/')}/realtime/sessions"
        body: dict[str, Any] = dict(session or {"model": "gpt-4o-realtime-preview"})
        headers = {"OpenAI-Beta": "realtime=v1"}
    else:
        url = f"{api_base.rstrip('/')}/realtime/client_secrets"
        body = {
            "expires_after": {"anchor": "created_at", "seconds": expires_seconds},
            "session": session or {"type": "realtime", "model": "gpt-realtime"},
        }
        headers = {}
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        raise UserError(f"minting a client secret failed: HTTP {err.code} {_error_message(err)}") from None
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        raise UserError(redact_text(f"minting a client secret failed: {reason}").splitlines()[0]) from None
    secret = payload.get("client_secret") if isinstance(payload.get("client_secret"), dict) else payload
    value = secret.get("value") if isinstance(secret, dict) else None
    if not isinstance(value, str) or not value:
        raise UserError("minting a client secret failed: the answer carried no secret value")
    register_secret(value)
    expires = secret.get("expires_at")
    return ClientSecret(value, expires if isinstance(expires, int) else None, payload.get("session"))


def _error_message(err: urllib.error.HTTPError) -> str:
    try:
        data = json.loads(err.read() or b"{}")
        message = (data.get("error") or {}).get("message") or ""
    except (ValueError, AttributeError, OSError):
        message = ""
    return redact_text(str(message)).splitlines()[0] if message else (err.reason or "")
