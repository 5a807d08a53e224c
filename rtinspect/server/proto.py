"""The server's view of the protocol core: validation, the default session, merging, settings.

The server must never disagree with ``rtinspect.protocol`` about what a valid ``session.update`` is or
where a setting lives, so everything here delegates to the core (formats are the core's ``AudioFormat``)
and adds only what a server needs (known models, ids).
"""

from __future__ import annotations

import time
from typing import Any

from rtinspect.protocol import Dialect, Problem
from rtinspect.protocol import session as core
from rtinspect.protocol.validate import validate_client_event
from rtinspect.server.ids import new_id

GA_MODELS = ("gpt-realtime", "gpt-4o-realtime-preview", "gpt-4o-mini-realtime-preview", "gpt-realtime-mini")
BETA_MODELS = ("gpt-4o-realtime-preview", "gpt-4o-mini-realtime-preview", "gpt-realtime")


def model_known(model: str, dialect: Dialect) -> bool:
    """Whether the live API (or, for beta clients, the pre-2026-05 API) served this model name."""
    names = GA_MODELS if dialect == Dialect.GA else BETA_MODELS
    return any(model == m or model.startswith(m + "-") for m in names)


def validate(event: dict[str, Any], dialect: Dialect) -> list[Problem]:
    return validate_client_event(event, dialect)


def default_session(
    dialect: Dialect, *, model: str | None, intent: str | None, minutes: int
) -> dict[str, Any]:
    """The session a new connection starts with, with a fresh ``sess_`` id and ``expires_at``."""
    return core.default_session(
        dialect,
        model=model,
        intent=intent,
        session_id=new_id("sess"),
        expires_at=int(time.time() + minutes * 60),
    )


def merge(effective: dict[str, Any], update: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """The effective session after a *valid* update (the caller validated it first)."""
    return core.merge_session_update(effective, update, dialect)


def input_format(session: dict[str, Any], dialect: Dialect) -> core.AudioFormat:
    return core.input_format(session, dialect)


def output_format(session: dict[str, Any], dialect: Dialect) -> core.AudioFormat:
    return core.output_format(session, dialect)


def turn_detection(session: dict[str, Any], dialect: Dialect) -> dict[str, Any] | None:
    return core.turn_detection(session, dialect)


def transcription_config(session: dict[str, Any], dialect: Dialect) -> dict[str, Any] | None:
    """The transcription config when it names a model (only then does transcription run)."""
    tc = core.transcription_config(session, dialect)
    return tc if tc and tc.get("model") else None


def output_modalities(session: dict[str, Any], dialect: Dialect) -> list[str]:
    mods = core.get_setting(session, dialect, "modalities")
    if isinstance(mods, list) and mods:
        return list(mods)
    return ["audio"] if dialect == Dialect.GA else ["text", "audio"]


def voice(session: dict[str, Any], dialect: Dialect) -> str:
    return str(core.get_setting(session, dialect, "voice") or ("marin" if dialect == Dialect.GA else "alloy"))


def max_output_tokens(session: dict[str, Any], dialect: Dialect) -> Any:
    return core.get_setting(session, dialect, "max_output_tokens", "inf")
