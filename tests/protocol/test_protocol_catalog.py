"""The catalog covers every schema event type plus live corrections; server validation is live-lenient."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from rtinspect.protocol import Dialect
from rtinspect.protocol.catalog import (
    audio_field,
    catalog,
    is_audio_event,
    server_types,
    validate_server_event,
)

GA, BETA = Dialect.GA, Dialect.BETA


def _index(name: str) -> dict[str, dict[str, str]]:
    text = resources.files("rtinspect.protocol").joinpath("data", name).read_text("utf-8")
    return json.loads(text)["x-event-index"]


def test_counts_match_the_schemas() -> None:
    ga, beta = catalog(GA), catalog(BETA)
    assert len(ga.client) == len(beta.client) == 12
    assert len(ga.server) >= 47
    assert set(_index("realtime-ga.schema.json")["server"]) <= set(ga.server)
    assert set(_index("realtime-beta.schema.json")["server"]) <= set(beta.server)
    assert set(_index("realtime-ga.schema.json")["client"]) == set(ga.client)


def test_live_corrections() -> None:
    ga, beta = catalog(GA), catalog(BETA)
    assert "conversation.item.added" in ga.server and "conversation.item.done" in ga.server
    assert "live GA sends conversation.item.added" in (ga.server["conversation.item.created"].note or "")
    created = beta.server["transcription_session.created"]
    assert created.live_only and created.field("session") is not None
    delta = ga.server["response.output_audio.delta"].field("obfuscation")
    assert delta is not None and not delta.required
    assert beta.server["response.audio.delta"].field("obfuscation") is None
    assert "tokens" in (ga.server["rate_limits.updated"].note or "")
    assert "transcription_session.created" in server_types(BETA)


def test_fields_have_types_required_flags_and_one_line_descriptions() -> None:
    info = catalog(GA).get("conversation.item.truncate")
    assert info is not None and info.direction == "client"
    names = {f.name: f for f in info.fields}
    assert {"item_id", "content_index", "audio_end_ms"} <= set(names)
    assert names["audio_end_ms"].type == "integer" and names["audio_end_ms"].required
    assert not names["event_id"].required
    assert all("\n" not in f.description for e in catalog(GA) for f in e.fields)
    assert catalog(GA).get("error", "client") is None
    assert "session.update" in catalog(BETA)


def test_audio_fields() -> None:
    assert audio_field("input_audio_buffer.append") == "audio"
    assert audio_field("response.output_audio.delta") == "delta"
    assert audio_field("response.audio.delta") == "delta"
    assert audio_field("response.output_audio_transcript.delta") is None
    assert is_audio_event("response.audio.delta") and not is_audio_event("response.text.delta")


USER_ITEM_GA = {
    "id": "item_1",
    "type": "message",
    "status": "completed",
    "role": "user",
    "content": [{"type": "input_audio", "transcript": None}],
}
RESPONSE_GA = {
    "object": "realtime.response",
    "id": "resp_1",
    "status": "in_progress",
    "status_details": None,
    "output": [],
    "conversation_id": "conv_1",
    "output_modalities": ["audio"],
    "max_output_tokens": "inf",
    "audio": {"output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy"}},
    "usage": None,
    "metadata": None,
}
USAGE = {
    "total_tokens": 10,
    "input_tokens": 5,
    "output_tokens": 5,
    "input_token_details": {
        "text_tokens": 1,
        "audio_tokens": 4,
        "image_tokens": 0,
        "cached_tokens": 0,
        "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 0, "image_tokens": 0},
    },
    "output_token_details": {"text_tokens": 2, "audio_tokens": 3},
}
DELTA = {
    "event_id": "e",
    "response_id": "r",
    "item_id": "i",
    "output_index": 0,
    "content_index": 0,
    "delta": "AAAA",
}


@pytest.mark.parametrize(
    ("event", "dialect"),
    [
        ({"type": "response.output_audio.delta", **DELTA, "obfuscation": "xyz"}, GA),
        (
            {
                "type": "conversation.item.added",
                "event_id": "e",
                "previous_item_id": None,
                "item": USER_ITEM_GA,
            },
            GA,
        ),
        (
            {
                "type": "conversation.item.done",
                "event_id": "e",
                "previous_item_id": None,
                "item": USER_ITEM_GA,
            },
            GA,
        ),
        (
            {
                "type": "input_audio_buffer.committed",
                "event_id": "e",
                "previous_item_id": None,
                "item_id": "item_1",
            },
            GA,
        ),
        ({"type": "response.created", "event_id": "e", "response": RESPONSE_GA}, GA),
        (
            {
                "type": "response.done",
                "event_id": "e",
                "response": {**RESPONSE_GA, "status": "completed", "usage": USAGE},
            },
            GA,
        ),
        (
            {
                "type": "rate_limits.updated",
                "event_id": "e",
                "rate_limits": [{"name": "tokens", "limit": 40000, "remaining": 39000, "reset_seconds": 1.5}],
            },
            GA,
        ),
        (
            {
                "type": "error",
                "event_id": "e",
                "error": {
                    "type": "invalid_request_error",
                    "code": None,
                    "message": "m",
                    "param": None,
                    "event_id": None,
                },
            },
            GA,
        ),
        (
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "event_id": "e",
                "item_id": "i",
                "content_index": 0,
                "transcript": "hi",
                "usage": {"type": "duration", "seconds": 1.2},
            },
            GA,
        ),
        (
            {
                "type": "conversation.item.created",
                "event_id": "e",
                "previous_item_id": None,
                "item": {**USER_ITEM_GA, "object": "realtime.item"},
            },
            BETA,
        ),
        ({"type": "response.audio.delta", **DELTA}, BETA),
        (
            {
                "type": "response.created",
                "event_id": "e",
                "response": {
                    "object": "realtime.response",
                    "id": "r",
                    "status": "in_progress",
                    "status_details": None,
                    "output": [],
                    "usage": None,
                },
            },
            BETA,
        ),
    ],
)
def test_live_shaped_server_events_pass(event: dict, dialect: Dialect) -> None:
    assert validate_server_event(event, dialect) == []


def test_server_validation_still_catches_emulator_mistakes() -> None:
    bogus = validate_server_event({"type": "response.output_audio.delta", **DELTA, "audio_delta": "x"}, GA)
    assert [(p.path, p.code) for p in bogus] == [("audio_delta", "unknown_parameter")]
    wrong_dialect = validate_server_event({"type": "response.audio.delta", **DELTA}, GA)
    assert [(p.path, p.code) for p in wrong_dialect] == [("type", "invalid_value")]
    missing = validate_server_event(
        {"type": "input_audio_buffer.speech_started", "event_id": "e", "item_id": "i"}, GA
    )
    assert [(p.path, p.code) for p in missing] == [("audio_start_ms", "missing_required_parameter")]
    assert (
        validate_server_event({"type": "response.output_audio.delta", **DELTA, "obfuscation": "x"}, BETA)
        != []
    )


def test_package_re_exports_the_public_api() -> None:
    import rtinspect.protocol as protocol
    from rtinspect.protocol.validate import validate_client_event

    assert protocol.validate_client_event is validate_client_event
    assert protocol.Catalog is type(catalog(GA))
    with pytest.raises(AttributeError):
        _ = protocol.no_such_name  # type: ignore[attr-defined]
