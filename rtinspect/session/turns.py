"""The one turn and latency model: a turn is the user's input ending and the response that answers it.

The status bar's latency, the doctor's latency table and ``send``'s report read ``SessionState.turns``.
The fold opens a turn's input side when the user's input ends (``speech_stopped`` from server VAD,
else the client's ``input_audio_buffer.commit`` or ``response.create``: the first of these since the
last response), and closes it at ``response.created``. Output timings are the ``Response``'s own
(first audio/text delta, done), so deltas, the bulk of a response, cost the turn model nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rtinspect.session.model import Response

if TYPE_CHECKING:
    from rtinspect.session.state import SessionState

InputEnd = Literal["vad", "commit", "response.create"]


@dataclass(slots=True)
class InputEnded:
    """The user's input ended and no response has answered it yet."""

    t: float
    pos: int
    by: InputEnd
    stopped_t: float | None = None  # speech_stopped (server VAD), when VAD ended it
    item_id: str | None = None  # the user item committed for it


@dataclass(slots=True)
class Turn:
    """One turn: when and how the user's input ended, and the response that answered it."""

    response: Response
    input_end_t: float | None = None  # None: a response nothing we saw asked for
    input_end_pos: int | None = None
    input_end_by: InputEnd | None = None
    stopped_t: float | None = None
    item_id: str | None = None  # the user item of this turn (transcript lookups)

    @property
    def first_output_t(self) -> float | None:
        """The first audio or text delta of the response."""
        r = self.response
        times = [t for t in (r.first_audio_delta_t, r.first_text_delta_t) if t is not None]
        return min(times) if times else None

    @property
    def latency(self) -> float | None:
        """Seconds from the end of the user's input to the first output: what a user waits."""
        first = self.first_output_t
        return None if first is None or self.input_end_t is None else first - self.input_end_t


def input_ended(st: SessionState, t: float, pos: int, by: InputEnd) -> None:
    """The user's input ended (VAD stop, a client commit or response.create): the first one counts."""
    pending = st.turn_input
    if pending is None:
        st.turn_input = InputEnded(t, pos, by, t if by == "vad" else None)
    elif by == "vad" and pending.stopped_t is None:
        pending.stopped_t = t


def committed(st: SessionState, item_id: str | None) -> None:
    """The buffer was committed into a user item: remember it for the turn being asked."""
    if st.turn_input is not None and item_id is not None:
        st.turn_input.item_id = item_id


def response_created(st: SessionState, resp: Response) -> None:
    """A response started: it answers the pending input, which closes the turn's input side."""
    pending, st.turn_input = st.turn_input, None
    if pending is None:
        st.turns.append(Turn(resp))
        return
    st.turns.append(Turn(resp, pending.t, pending.pos, pending.by, pending.stopped_t, pending.item_id))


def last_latency(st: SessionState) -> float | None:
    """The latency of the latest turn that has one (the status bar's figure)."""
    for turn in reversed(st.turns):
        latency = turn.latency
        if latency is not None:
            return latency
    return None
