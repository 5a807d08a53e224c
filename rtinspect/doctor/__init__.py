"""The doctor: diagnose a Realtime session from its events and name the fix.

``Doctor`` runs live (``feed`` each event, ``finish`` at the end); ``diagnose(records)`` does the
same over a recorded log. Rules read the one ``SessionState`` (``rtinspect.session``) as it was
just before each event; the engine folds the event after them, and a view may hand the doctor the
state it shows (``Doctor(state=...)``) so the session is folded once. A finding a later event
cures is kept as resolved (``Finding.resolved_by``). Rules live one family per module
(``rule.py`` holds the base class); their finding codes:

- session_rules: transcription-not-enabled, session-unknown-parameter, session-invalid-type,
  session-invalid-value, session-value-out-of-range, session-other-dialect-field,
  session-missing-type, session-update-rejected, session-voice-locked, beta-interface-retired,
  session-default-kept, transcription-model-as-session-model
- audio_rules: audio-rate-mismatch (audio.started meta, wall clock, or pitch+spectrum), audio-pitch-out-of-range, container-bytes-in-pcm,
  stereo-as-mono, odd-byte-count, g711-pcm16-mismatch, audio-silent, audio-too-quiet,
  audio-clipped, no-trailing-silence
- buffer_rules: commit-under-server-vad, commit-too-small, commit-empty, commit-without-response,
  speech-never-stopped, echo-self-interruption, audio-before-format-update
- response_rules: response-already-active, cancel-not-active, response-failed/-incomplete/
  -cancelled, transcription-failed, truncate-beyond-audio, transcript-empty, barge-in-without-truncate,
  multiple-assistant-messages, assistant-preamble (info)
- function_rules: function-call-unanswered, function-output-without-response,
  function-outputs-separate-responses, tool-call-loop
- connection_rules: rate-limited, quota-exceeded, authentication-failed, session-expired,
  session-expiring, invalid-model, invalid-client-event, server-error, connection-closed, keepalive-timeout,
  authentication-missing, transport-error
- info_rules (info only): transcript-after-response, turn-latency, usage-cost
- engine: malformed-events (events no rule could read)
"""

from __future__ import annotations

from rtinspect.doctor.engine import Doctor, Rule, diagnose
from rtinspect.doctor.finding import SEVERITY_ORDER, Finding

__all__ = ["SEVERITY_ORDER", "Doctor", "Finding", "Rule", "diagnose"]
