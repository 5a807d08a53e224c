"""Property tests: the fold never raises on arbitrary JSON events, and b64 sizing matches decoding."""

from __future__ import annotations

import base64
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtinspect.session.model import AREAS
from rtinspect.session.state import DISPATCH, SessionState, b64_decoded_len
from rtinspect.tap import Tapped

KNOWN = sorted((direction, t) for direction, table in DISPATCH.items() for t in table)
KNOWN_TYPES = sorted({t for _, t in KNOWN})
KNOWN_SET = frozenset(KNOWN)
FIELDS = [
    "type", "event_id", "session", "audio", "item", "id", "item_id", "previous_item_id", "response",
    "response_id", "delta", "text", "transcript", "arguments", "call_id", "name", "error", "code",
    "param", "message", "rate_limits", "audio_start_ms", "audio_end_ms", "content", "content_index",
    "output_index", "output", "usage", "status", "role", "input_tokens", "output_tokens", "seconds",
    "input_token_details", "url", "dialect", "headers", "model", "reason", "by", "label", "sent_ms",
    "input_audio_transcription", "input_audio_format", "format", "rate", "input", "transcription",
    "expires_at",
]  # fmt: skip
IDS = st.sampled_from(["a", "b", "event_1", ""])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True),
    IDS,
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=5)), inner, max_size=5),
    ),
    max_leaves=12,
)
odd_types = st.one_of(st.text(max_size=20), st.integers(), st.none())


@st.composite
def records_one(draw: st.DrawFn) -> Tapped:
    """Mostly a known (direction, type) pair so every handler meets hostile fields; sometimes anything."""
    ev: dict[str, Any] = draw(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8))
    if draw(st.integers(0, 9)) < 8:
        direction, ev["type"] = draw(st.sampled_from(KNOWN))
    else:
        direction = draw(st.sampled_from(["client", "server", "meta"]))
        ev["type"] = draw(st.one_of(st.sampled_from(KNOWN_TYPES), odd_types))
    return Tapped(draw(st.floats(0, 1e6)), direction, ev)


records = st.lists(records_one(), max_size=40)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records)
def test_apply_never_raises_and_counts_everything(recs: list[Tapped]) -> None:
    state = SessionState(strict=True)  # strict: a handler exception would surface here
    for rec in recs:
        changed = state.apply(rec)
        assert isinstance(changed, set) and changed <= AREAS
    c = state.counters
    assert c.events == len(recs) == sum(c.by_type.values()) == sum(c.by_dir.values())
    assert c.malformed == 0
    known = sum(1 for r in recs if (r.dir, r.event.get("type")) in KNOWN_SET)
    assert c.unhandled == len(recs) - known
    # derived views stay usable on whatever was folded
    state.session.requested_vs_effective()
    for resp in state.responses.values():
        assert isinstance(resp.text, str) and isinstance(resp.audio_transcript, str)
        for call in resp.function_calls.values():
            assert isinstance(call.arguments, str)


@given(st.binary(max_size=300))
def test_b64_length_gives_the_decoded_size(data: bytes) -> None:
    encoded = base64.b64encode(data).decode()
    assert b64_decoded_len(encoded) == len(data)


def test_b64_length_of_non_strings_is_zero() -> None:
    assert b64_decoded_len(None) == 0 and b64_decoded_len(123) == 0 and b64_decoded_len("") == 0


HOSTILE: list[Any] = [None, True, 0, -1, 1.5, float("nan"), "", "a", "==", [], [None], {}, {"a": 1}]


def _shapes(value: Any) -> list[Any]:
    """``value`` itself, and dicts whose every known field holds it (one and two levels deep)."""
    flat = dict.fromkeys(FIELDS, value)
    nested = {k: dict(flat) for k in FIELDS}
    return [value, flat, [flat], nested, [nested]]


def test_every_handler_survives_hostile_values_in_every_field() -> None:
    """A deterministic sweep beside the random one: each known event type, each field, each bad value."""
    applied = 0
    for direction, etype in KNOWN:
        state = SessionState(strict=True)
        for value in HOSTILE:
            for shaped in _shapes(value):
                state.apply(Tapped(1.0, direction, {**dict.fromkeys(FIELDS, shaped), "type": etype}))
                for field in FIELDS:
                    if field != "type":
                        state.apply(Tapped(1.0, direction, {"type": etype, field: shaped}))
                        applied += 1
        assert state.counters.malformed == 0 and state.counters.unhandled == 0
    assert applied > 10_000
