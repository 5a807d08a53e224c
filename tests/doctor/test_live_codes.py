"""The doctor keys its diagnoses on the live API's error codes (docs/protocol.md §8 and §11), or on
codes the protocol's own validator derives from them, never on whatever a server happens to send:
when the embedded server's code once differed from the live one, so did the diagnosis."""

from __future__ import annotations

import re
from pathlib import Path

from rtinspect.doctor import connection_rules, session_rules

from .synth import Synth

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "protocol.md").read_text()
VALIDATOR = (ROOT / "rtinspect" / "protocol" / "validate.py").read_text()
# codes the specific rules compare with (response_rules, buffer_rules)
RULE_CODES = {
    "conversation_already_has_active_response",
    "response_cancel_not_active",
    "input_audio_buffer_commit_empty",
    "beta_api_shape_disabled",
    "cannot_update_voice",
}


def _documented_or_derived(code: str) -> bool:
    if f"`{code}`" in DOC:
        return True
    m = re.fullmatch(r"(integer|decimal)_(below_min|above_max)_value", code)
    return m is not None and "_below_min_value" in VALIDATOR and "_above_max_value" in VALIDATOR


def test_every_error_code_the_doctor_knows_is_a_live_one() -> None:
    known = set(session_rules._REJECT_CODES) | {c for c in connection_rules._KNOWN if not c.startswith("(")}
    unknown = sorted(c for c in known | RULE_CODES if not _documented_or_derived(c))
    assert unknown == []


def test_an_empty_commit_is_explained_only_by_its_live_code() -> None:
    """The commit rule claims the error of input_audio_buffer_commit_empty, the live code; an error of
    another code on a commit stays the catch-all's server-error (it says something else)."""
    for code, expect in (
        ("input_audio_buffer_commit_empty", True),
        ("input_audio_buffer_commit_failed", False),
    ):
        s = Synth(session={**Synth().session, "audio": {"input": {"turn_detection": None}}})
        s.client("input_audio_buffer.commit", event_id="c1")
        s.error(code, "Error committing input audio buffer: buffer too small.", event_id="c1")
        codes = s.codes()
        assert "commit-empty" in codes  # the buffer was empty, whatever the server said
        assert ("server-error" in codes) is not expect, (code, codes)
