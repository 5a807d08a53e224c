"""Responses and items: overlapping or pointless response calls, responses that did not
complete, failed transcriptions, truncation past the audio an item has."""

from __future__ import annotations

from typing import Any

from rtinspect.doctor.finding import Finding, pretty_events
from rtinspect.doctor.rule import Rule, Scope
from rtinspect.tap import Tapped


class ResponseFlowRule(Rule):
    """``response.create`` while one is active; ``response.cancel`` with nothing to cancel."""

    HANDLES = {"response.create": "on_create", "response.cancel": "on_cancel", "error": "on_error"}

    def on_create(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        if scope.state.active_response_id is None:
            return None
        return [self._active(scope, pos, None, "warning")]

    def on_cancel(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        if scope.state.active_response_id is not None:
            return None
        return [self._cancel(pos, None, "warning")]

    def on_error(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        err = rec.event.get("error") or {}
        code = err.get("code")
        msg = str(err.get("message") or "")
        if code == "conversation_already_has_active_response" or "already has an active response" in msg:
            target = scope.error_target(err, "response.create")
            if target is not None:
                scope.claimed.add(pos)
                return [self._active(scope, target, pos, "error", msg)]
        if code == "response_cancel_not_active":
            target = scope.error_target(err, "response.cancel")
            if target is not None:
                scope.claimed.add(pos)
                return [self._cancel(target, pos, "warning", msg)]
        return None

    def _active(self, scope: Scope, pos: int, err: int | None, sev: str, msg: str = "") -> Finding:
        active = scope.state.active_response_id
        resp = scope.state.responses.get(active) if active is not None else None
        vad = (
            " Server VAD with create_response already starts a response after each turn; don't send your own."
            if scope.creates_response()
            else ""
        )
        return Finding(
            sev,
            "response-already-active",
            "response.create while a response is still active",
            "Only one response can be active at a time: this response.create came before response.done of "
            f"{active or 'the active response'}.{vad}" + (f" The server said: {msg}" if msg else ""),
            tuple(p for p in (resp.created_pos if resp else None, pos, err) if p is not None),
            pretty_events(
                [
                    "wait for response.done (or send response.cancel and wait for it)",
                    {"type": "response.create"},
                ]
            ),
            key=str(pos),
        )

    def _cancel(self, pos: int, err: int | None, sev: str, msg: str = "") -> Finding:
        return Finding(
            sev,
            "cancel-not-active",
            "response.cancel with no active response",
            "Nothing was being generated, so there was nothing to cancel (harmless, but it usually means the "
            "client's idea of the response state is off)." + (f" The server said: {msg}" if msg else ""),
            tuple(p for p in (pos, err) if p is not None),
            pretty_events(["send response.cancel only between response.created and response.done"]),
            key=str(pos),
        )


class ResponseStatusRule(Rule):
    """``response.done`` with status failed / incomplete / cancelled, and its reason."""

    HANDLES = {"response.done": "on_done"}

    def on_done(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        resp = rec.event.get("response") or {}
        status = resp.get("status")
        if status in (None, "completed", "in_progress"):
            return None
        details: Any = resp.get("status_details") or {}
        reason = details.get("reason") if isinstance(details, dict) else None
        error = details.get("error") if isinstance(details, dict) else None
        why = f" (reason: {reason})" if reason else ""
        if isinstance(error, dict):
            why += f" error {error.get('code') or error.get('type')}: {error.get('message')}"
        if status == "failed":
            sev, text, fix = "error", "The response failed: no (or partial) answer was produced.", None
        elif status == "incomplete":
            sev = "warning"
            text = "The response stopped early." + (
                " It hit max_output_tokens: raise it (or 'inf')."
                if reason == "max_output_tokens"
                else " Content filtering stopped it."
                if reason == "content_filter"
                else ""
            )
            fix = (
                pretty_events([{"type": "response.create", "response": {"max_output_tokens": "inf"}}])
                if reason == "max_output_tokens"
                else None
            )
        else:
            sev, fix = "info", None
            text = (
                "The user spoke over the assistant and server VAD cancelled the response (barge-in)."
                if reason == "turn_detected"
                else "The client cancelled the response."
            )
        rid = str(resp.get("id") or pos)
        return [
            Finding(
                sev, f"response-{status}", f"response {rid} ended {status}{why}", text, (pos,), fix, key=rid
            )
        ]


class TranscriptionFailedRule(Rule):
    """``conversation.item.input_audio_transcription.failed``, with the server's reason."""

    HANDLES = {"conversation.item.input_audio_transcription.failed": "on_failed"}

    def on_failed(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding]:
        err = rec.event.get("error") or {}
        item = str(rec.event.get("item_id") or pos)
        return [
            Finding(
                "error",
                "transcription-failed",
                f"transcription of item {item} failed",
                f"The transcription model failed: {err.get('code') or err.get('type')}: {err.get('message')}. "
                "The response may still come (transcription runs separately); check the transcription model name, "
                "language and the input audio format.",
                (pos,),
                None,
                key=item,
            )
        ]


class TruncateRule(Rule):
    """``conversation.item.truncate`` past the end of the audio the item actually has."""

    HANDLES = {"conversation.item.truncate": "on_truncate", "error": "on_error"}

    def __init__(self) -> None:
        self.asked: dict[int, tuple[str, float]] = {}  # truncate position -> (item id, audio_end_ms)

    @staticmethod
    def _audio_ms(scope: Scope, item_id: str) -> float | None:
        """The output audio the item has, as the session fold measured it (None: not an audio item)."""
        item = scope.state.items.get(item_id)
        return item.audio_ms if item is not None and item.has_audio else None

    def on_truncate(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        item = rec.event.get("item_id")
        end = rec.event.get("audio_end_ms")
        if not isinstance(item, str) or not isinstance(end, int | float):
            return None
        if len(self.asked) < 1000:
            self.asked[pos] = (item, float(end))
        have = self._audio_ms(scope, item)
        if have is None or end <= have + 1:
            return None
        return [self._finding(pos, None, item, float(end), have)]

    def on_error(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        err = rec.event.get("error") or {}
        if "audio_end_ms" not in str(err.get("param") or "") + str(err.get("message") or ""):
            return None
        target = scope.error_target(err, "conversation.item.truncate")
        if target is None:
            return None
        scope.claimed.add(pos)
        item, end = self.asked.get(target, ("?", 0.0))
        have = self._audio_ms(scope, item) or 0.0
        return [self._finding(target, pos, item, end, have)]

    def _finding(self, pos: int, err: int | None, item: str, end: float, have: float) -> Finding:
        return Finding(
            "error",
            "truncate-beyond-audio",
            "truncate past the end of the item's audio",
            f"conversation.item.truncate asked for audio_end_ms {end:.0f} but item {item} has only {have:.0f} ms "
            "of audio. Send the milliseconds actually played (at most the item's duration).",
            tuple(p for p in (pos, err) if p is not None),
            pretty_events(
                [
                    {
                        "type": "conversation.item.truncate",
                        "item_id": item,
                        "content_index": 0,
                        "audio_end_ms": int(have),
                    }
                ]
            ),
            key=str(pos),
        )


class EmptyTranscriptRule(Rule):
    """``...transcription.completed`` with an empty transcript: transcription is on but heard no words."""

    HANDLES = {"conversation.item.input_audio_transcription.completed": "on_completed"}

    def __init__(self) -> None:
        self.empty: list[int] = []

    def on_completed(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        text = rec.event.get("transcript")
        if not isinstance(text, str) or text.strip():
            return None
        self.empty.append(pos)
        if len(self.empty) not in (1, 2, 5, 10, 20, 50):
            return None
        return [
            Finding(
                "warning",
                "transcript-empty",
                f"{len(self.empty)} transcript(s) came back empty",
                'Transcription is on, but the model returned transcript "" for the user audio: it heard no '
                "words. Usual causes: the turn was noise or silence (VAD fired on it), the audio is too quiet, "
                "or it is in the wrong format or rate, so the model hears garbage. Check the input audio (the "
                "doctor's audio findings), and give the transcription a language if the speech is not English.",
                tuple(self.empty[:20]),
                pretty_events(
                    [
                        {
                            "type": "session.update",
                            "session": {
                                "type": "realtime",
                                "audio": {
                                    "input": {
                                        "transcription": {
                                            "model": "gpt-4o-mini-transcribe",
                                            "language": "en",
                                        },
                                        "turn_detection": {"type": "server_vad", "threshold": 0.6},
                                    }
                                },
                            },
                        }
                    ]
                ),
            )
        ]


class BargeInRule(Rule):
    """A response cut by the user speaking (``turn_detected``) on a WebSocket session, and no
    ``conversation.item.truncate`` after it: the model remembers words the user never heard.
    (WebRTC/SIP truncate on the server side; their ``output_audio_buffer.*`` events give them away.)"""

    HANDLES = {
        "response.done": "on_done",
        "conversation.item.truncate": "on_truncate",
        "output_audio_buffer.started": "on_webrtc",
        "output_audio_buffer.cleared": "on_webrtc",
    }

    def __init__(self) -> None:
        self.cut: dict[str, tuple[int, str]] = {}  # item id -> (response.done pos, response id)
        self.webrtc = False

    def on_webrtc(self, scope: Scope, pos: int, rec: Tapped) -> None:
        self.webrtc = True

    def on_done(self, scope: Scope, pos: int, rec: Tapped) -> None:
        resp = rec.event.get("response") or {}
        details = resp.get("status_details") or {}
        if resp.get("status") != "cancelled" or not isinstance(details, dict):
            return
        if details.get("reason") != "turn_detected" or len(self.cut) >= 100:
            return
        rid = str(resp.get("id") or "")
        state_resp = scope.state.responses.get(rid)
        if state_resp is None or state_resp.audio_deltas == 0:
            return  # no audio had been sent: nothing was heard, nothing to truncate
        for item_id in state_resp.output_item_ids:
            item = scope.state.items.get(item_id)
            if item is not None and item.role == "assistant" and item.has_audio:
                self.cut[item_id] = (pos, rid)

    def on_truncate(self, scope: Scope, pos: int, rec: Tapped) -> None:
        self.cut.pop(str(rec.event.get("item_id")), None)

    def finish(self, scope: Scope) -> list[Finding] | None:
        if not self.cut or self.webrtc:
            return None
        item_id, (pos, rid) = next(iter(self.cut.items()))
        item = scope.state.items.get(item_id)
        have = int(item.audio_ms or 0) if item is not None else 0
        return [
            Finding(
                "warning",
                "barge-in-without-truncate",
                "the user interrupted the assistant and the client never truncated the reply",
                f"Response {rid} was cancelled by turn detection (the user spoke over it) after its audio started, "
                f"and no conversation.item.truncate followed for its item {item_id} ({len(self.cut)} such "
                "response(s)). Over a WebSocket the server does not know how much of the audio was played, so the "
                "conversation keeps the whole reply: the model will remember words the user never heard. Stop "
                "playback and truncate the item at the milliseconds actually played.",
                (pos,),
                pretty_events(
                    [
                        "on input_audio_buffer.speech_started: stop playback, then",
                        {
                            "type": "conversation.item.truncate",
                            "item_id": item_id,
                            "content_index": 0,
                            "audio_end_ms": f"<ms played, at most {have}>",
                        },
                    ]
                ),
                key=item_id,
            )
        ]


class PreambleRule(Rule):
    """One response with several assistant message items (gpt-realtime-2 preambles: a spoken preamble,
    then the answer, docs/protocol.md §11). A client that keeps only the first item takes the preamble for
    the whole answer; it shows on the wire when the client moves on (asks for the next response, adds the
    next turn, commits, or cancels) after the first message item is done and before ``response.done``: a
    warning, with those events. A client that waited for ``response.done`` gets an info note only (whether
    it plays every item is not on the wire)."""

    HANDLES = {
        "response.output_item.done": "on_item_done",
        "response.create": "on_move",
        "conversation.item.create": "on_move",
        "input_audio_buffer.commit": "on_move",
        "response.cancel": "on_move",
    }
    AFTER = {"response.done": "on_done"}
    MAX_OPEN = 100  # responses whose first message is done and whose response.done has not come

    def __init__(self) -> None:
        self.first_done: dict[str, int] = {}  # response id -> its first assistant message's output_item.done
        self.moved: dict[str, int] = {}  # response id -> the client event that moved on before response.done

    def on_item_done(self, scope: Scope, pos: int, rec: Tapped) -> None:
        item = rec.event.get("item") or {}
        rid = str(rec.event.get("response_id") or "")
        if item.get("type") != "message" or item.get("role") != "assistant" or not rid:
            return
        if rid not in self.first_done and len(self.first_done) < self.MAX_OPEN:
            self.first_done[rid] = pos

    def on_move(self, scope: Scope, pos: int, rec: Tapped) -> None:
        rid = scope.state.active_response_id
        if rid is not None and rid in self.first_done and rid not in self.moved:
            self.moved[rid] = pos

    def on_done(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        rid = str((rec.event.get("response") or {}).get("id") or "")
        first, moved = self.first_done.pop(rid, None), self.moved.pop(rid, None)
        resp = scope.state.responses.get(rid)
        if resp is None:
            return None
        messages = [
            i
            for i in resp.output_item_ids
            if (item := scope.state.items.get(i)) is not None
            and item.type == "message"
            and item.role == "assistant"
        ]
        if len(messages) < 2:
            return None
        if moved is None or first is None:
            return [
                Finding(
                    "info",
                    "assistant-preamble",
                    f"response {rid} spoke {len(messages)} assistant messages (a preamble, then the answer)",
                    f"The response produced {len(messages)} assistant message items ({', '.join(messages)}). "
                    "The client waited for response.done before moving on; make sure it plays and shows every "
                    "item, not only output[0].",
                    (pos,),
                    None,
                    key=rid,
                )
            ]
        return [
            Finding(
                "warning",
                "multiple-assistant-messages",
                f"response {rid} has {len(messages)} assistant messages; the client moved on after the first",
                f"The response produced {len(messages)} assistant message items ({', '.join(messages)}): newer "
                "models speak a short preamble, then the answer, in one response. The client acted as if the first "
                "item were the whole answer: it sent its next event after that item was done, before response.done, "
                "so the answer was dropped (or cut). Handle every output item by output_index, and treat only "
                "response.done as the end of the response.",
                (first, moved, pos),
                pretty_events(
                    [
                        "for item in response.output (by output_index): play/show each message, not just output[0];",
                        "send the next turn after response.done, not after the first response.output_item.done",
                    ]
                ),
                key=rid,
            )
        ]


RULES: list[type[Rule]] = [
    ResponseFlowRule,
    ResponseStatusRule,
    TranscriptionFailedRule,
    TruncateRule,
    EmptyTranscriptRule,
    BargeInRule,
    PreambleRule,
]
