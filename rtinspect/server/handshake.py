"""The checks the live API makes right after the WebSocket upgrade, in its order.

They happen after the HTTP 101 (so clients see an ``error`` event and a close code, not an HTTP status):
the retired beta header, then authentication, then the model. The token's value is never checked, kept,
logged or echoed: only its presence matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from websockets.datastructures import Headers

from rtinspect.protocol import Dialect
from rtinspect.server import proto

PATH = "/v1/realtime"
BETA_MESSAGE = "The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API."
# The live text first (clients and the doctor match on it), then the word that matters locally.
MISSING_KEY_MESSAGE = (
    "Missing bearer or basic authentication in header "
    "(rtinspect's local server: any key works, e.g. 'Authorization: Bearer local'; it is never checked)"
)


@dataclass(frozen=True, slots=True)
class Accepted:
    dialect: Dialect
    model: str | None
    intent: str | None
    call_id: str | None = None  # a sideband join of this session (``?call_id=``; see ``calls.py``)


@dataclass(frozen=True, slots=True)
class Refused:
    code: str | None
    message: str
    close_code: int

    @property
    def reason(self) -> str:
        """``<error.type>.<error.code>``, as the live close frames read (just the type when code is null)."""
        return "invalid_request_error" + (f".{self.code}" if self.code else "")


def path_ok(request_path: str) -> bool:
    return urlsplit(request_path).path.rstrip("/") == PATH


def has_credentials(headers: Headers) -> bool:
    auth = headers.get("Authorization", "")
    if auth.split(" ", 1)[0].lower() in ("bearer", "basic") and auth.split(" ", 1)[-1].strip():
        return True
    if headers.get("api-key"):
        return True
    offered = ",".join(headers.get_all("Sec-WebSocket-Protocol"))
    return any(p.strip().startswith("openai-insecure-api-key.") for p in offered.split(","))


def wants_beta(headers: Headers) -> bool:
    if "realtime=v1" in ",".join(headers.get_all("OpenAI-Beta")).replace(" ", ""):
        return True
    offered = ",".join(headers.get_all("Sec-WebSocket-Protocol"))
    return any(p.strip() == "openai-beta.realtime-v1" for p in offered.split(","))


def check(request_path: str, headers: Headers, *, legacy_beta: bool) -> Accepted | Refused:
    beta = wants_beta(headers)
    if beta and not legacy_beta:
        return Refused("beta_api_shape_disabled", BETA_MESSAGE, 4000)
    if not has_credentials(headers):
        return Refused(None, MISSING_KEY_MESSAGE, 3000)
    query = parse_qs(urlsplit(request_path).query)
    model = (query.get("model") or [None])[0]
    intent = (query.get("intent") or [None])[0]
    dialect = Dialect.BETA if beta else Dialect.GA
    call_id = (query.get("call_id") or [None])[0]
    if call_id:
        return Accepted(dialect, None, None, call_id)
    if intent == "transcription" and not model:
        return Accepted(dialect, None, "transcription")
    if not model:
        return Refused("missing_model", "Missing required parameter: 'model'.", 4000)
    if not proto.model_known(model, dialect):
        return Refused(
            "invalid_model",
            f"Invalid model: '{model}'. This model is not supported by the Realtime API.",
            4000,
        )
    return Accepted(dialect, model, intent)
