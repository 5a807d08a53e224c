"""The one record every event becomes, and the tap that fans it out.

Whatever its source (live socket, proxy, recorded log), an event travels as a ``Tapped``:
the recorder writes it, the reader yields it, the state folds it and the views list it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rtinspect.shown import within_event_depth

Direction = Literal["client", "server", "meta"]
DIRECTIONS: tuple[Direction, ...] = ("client", "server", "meta")

# ``meta`` events are rtinspect's own notes about the session, never sent on the wire.
META_CONNECTION_OPENED = "rtinspect.connection.opened"  # {url, headers (scrubbed), dialect, model}
META_CONNECTION_CLOSED = "rtinspect.connection.closed"  # {code, reason, by: "server"|"client"|"network"}
META_TRANSPORT_ERROR = "rtinspect.transport.error"  # {message}
META_AUDIO_SOURCE_STARTED = "rtinspect.audio.started"  # {source, path?, rate, channels, duration_ms}
META_AUDIO_SOURCE_STOPPED = "rtinspect.audio.stopped"  # {source, sent_ms}
META_BOOKMARK = "rtinspect.bookmark"  # {label}
META_FRAME_REFUSED = (
    "rtinspect.frame.refused"  # {dir, size, limit} a frame over the size limit, not forwarded
)
META_RECORDING_STOPPED = "rtinspect.recording.stopped"  # {path, reason, events} the log could not be written
META_BINARY_FRAME = "rtinspect.binary_frame"  # {dir, size, preview_hex} a non-text frame seen on the wire


@dataclass(frozen=True, slots=True)
class Tapped:
    """One event with its time (seconds since the session started) and direction."""

    t: float
    dir: Direction
    event: dict[str, Any]

    @property
    def type(self) -> str:
        value = self.event.get("type")
        return value if isinstance(value, str) else ""


@dataclass(slots=True)
class AudioRun:
    """Consecutive audio events of one type and direction, in columns, without their payloads.

    Most of a real session is base64 audio, and a fold needs of an append or an audio delta only
    its time, its direction and its payload's decoded size (plus the small fields beside the
    payload, such as ``response_id``). A recorded log measures those from each line's bytes, so a
    reader hands them over as runs: a consumer folds a run in one step (``SessionState.apply_run``)
    or, event by event, through ``records()``, which reads the payloads back.

    ``events[k]`` is event k without its payload field (treat as read-only: events with nothing
    beside the payload share one dict); ``sizes[k]`` its payload's decoded bytes; ``payload(k)``
    reads its base64 text; ``prefixes[k]`` (when given) its first 4 base64 characters, enough to
    screen for a file header (one container magic's first 3 bytes) without reading the payload.
    """

    type: str
    dir: Direction
    start: int  # position of the first event in its log
    times: Sequence[float]
    sizes: Sequence[int]
    events: list[dict[str, Any]]
    field: str  # the payload's field name (``audio``, ``delta``)
    payload: Callable[[int], str]
    prefixes: Sequence[bytes] | None = None

    def __len__(self) -> int:
        return len(self.events)

    def records(self) -> Iterator[Tapped]:
        """The run as whole ``Tapped`` records, payloads read back (for one-event-at-a-time folds)."""
        for k, ev in enumerate(self.events):
            yield Tapped(float(self.times[k]), self.dir, {**ev, self.field: self.payload(k)})


Sink = Callable[[Tapped], None]


@dataclass
class EventTap:
    """Stamps events with a monotonic time since start and hands each to every sink, in order.

    Sinks run synchronously on the caller's thread so that the recorder sees an event before
    anything can crash downstream; a sink must be cheap (the TUI sink only queues).
    """

    clock: Callable[[], float] = time.monotonic
    sinks: list[Sink] = field(default_factory=list)
    t0: float = field(init=False)

    def __post_init__(self) -> None:
        self.t0 = self.clock()

    def add_sink(self, sink: Sink) -> None:
        self.sinks.append(sink)

    def remove_sink(self, sink: Sink) -> None:
        if sink in self.sinks:
            self.sinks.remove(sink)

    def now(self) -> float:
        return self.clock() - self.t0

    def tap(self, direction: Direction, event: dict[str, Any], t: float | None = None) -> Tapped:
        # a frame nested 1000 deep is valid JSON but would crash every sink that walks it
        rec = Tapped(self.now() if t is None else t, direction, within_event_depth(event))
        for sink in list(self.sinks):
            sink(rec)
        return rec

    def meta(self, type_: str, **fields: Any) -> Tapped:
        return self.tap("meta", {"type": type_, **fields})
