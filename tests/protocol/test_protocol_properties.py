"""Property tests: the validators never raise on any JSON value and always answer a list of Problems."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rtinspect.protocol import Dialect, Problem
from rtinspect.protocol.catalog import catalog
from rtinspect.protocol.validate import validate_client_event, validate_server_event

_KEYS = st.sampled_from(
    [
        "type",
        "session",
        "audio",
        "input",
        "format",
        "rate",
        "transcription",
        "turn_detection",
        "item",
        "content",
        "role",
        "response",
        "event_id",
        "delta",
        "error",
        "x",
    ]
)
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
JSON = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_KEYS | st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=25,
)

_TYPES = sorted({t for d in Dialect for info in catalog(d) for t in [info.type]})
_DIALECTS = st.sampled_from(list(Dialect))


def _event(type_: str, body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "type": type_}


def _assert_problems(result: Any) -> None:
    assert isinstance(result, list)
    assert all(isinstance(p, Problem) and isinstance(p.path, str) and p.code and p.message for p in result)


@settings(max_examples=200, deadline=None)
@given(value=JSON, dialect=_DIALECTS)
def test_validators_never_raise_on_any_json(value: Any, dialect: Dialect) -> None:
    _assert_problems(validate_client_event(value, dialect))
    _assert_problems(validate_server_event(value, dialect))


@settings(max_examples=300, deadline=None)
@given(type_=st.sampled_from(_TYPES), body=st.dictionaries(_KEYS, JSON, max_size=6), dialect=_DIALECTS)
def test_validators_never_raise_on_known_types_with_arbitrary_fields(
    type_: str, body: dict[str, Any], dialect: Dialect
) -> None:
    event = _event(type_, body)
    _assert_problems(validate_client_event(event, dialect))
    _assert_problems(validate_server_event(event, dialect))


@settings(max_examples=200, deadline=None)
@given(session=st.dictionaries(_KEYS, JSON, max_size=6), dialect=_DIALECTS)
def test_session_update_with_arbitrary_session_never_raises(
    session: dict[str, Any], dialect: Dialect
) -> None:
    _assert_problems(validate_client_event({"type": "session.update", "session": session}, dialect))
