"""The sessions of a listener that watches other people's sockets: ids, recordings, subscribers.

The proxy and the capture collectors (``rtinspect.capture``) all turn connections they did not open
into ``ProxySession`` records; this hub is the one place that numbers them, opens each one's log
file, tells the views about it before its first event, and taps its ``connection.opened`` note.
So a proxied app, a mitmproxy flow and an in-page data channel reach the recorder, the doctor and
the live TUI by the same road.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rtinspect.exchange.logio import open_writer
from rtinspect.tap import META_CONNECTION_OPENED

# Called with each new session (a ``ProxySession``) before its first event.
SessionCallback = Callable[[Any], None]


class SessionHub:
    """Numbers sessions, records each to its own log, and tells subscribers about each one.

    ``record``: a log path (the first session writes it, later ones ``NAME-2.jsonl``,
    ``NAME-3.jsonl``...) or an existing folder; ``record_dir``: a folder, where session ``n`` is
    ``<prefix>-<start time>-<n>.jsonl``.
    """

    def __init__(
        self,
        *,
        record: str | Path | None = None,
        record_dir: str | Path | None = None,
        prefix: str = "proxy",
        on_session: SessionCallback | None = None,
    ) -> None:
        self.record = Path(record) if record is not None else None
        self.record_dir = Path(record_dir) if record_dir is not None else None
        if self.record is not None and (self.record.is_dir() or str(record).endswith(("/", "\\"))):
            self.record_dir, self.record = self.record, None
        self.prefix = prefix
        self.sessions: list[Any] = []
        self._subscribers: list[SessionCallback] = [on_session] if on_session else []
        self._ids = itertools.count(1)
        self._stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")

    def subscribe(self, callback: SessionCallback) -> Callable[[], None]:
        """Call ``callback(session)`` for each new session, before its first event.

        Returns a function that unsubscribes. Callbacks run on the listener's event loop and must
        be quick (attach sinks to ``session.tap``, post a message, start a task).
        """
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def next_id(self) -> int:
        return next(self._ids)

    def record_path(self, n: int) -> Path | None:
        if self.record_dir is not None:
            return self.record_dir / f"{self.prefix}-{self._stamp}-{n}.jsonl"
        if self.record is None:
            return None
        if n == 1:
            return self.record
        return self.record.with_name(f"{self.record.stem}-{n}{self.record.suffix or '.jsonl'}")

    def open(self, session: Any, **opened: Any) -> Any:
        """Start following ``session`` (a ``ProxySession`` numbered by ``next_id``): its recorder,
        the subscribers, then the ``connection.opened`` note with ``opened`` beside the session's
        scrubbed URL, path, headers, dialect and model."""
        if session.record_path is not None:
            session.recorder = open_writer(
                session.record_path,
                url=session.upstream,
                dialect=session.dialect,
                model=session.model,
                headers=session.headers,
                on_stopped=getattr(session, "recording_stopped", None),
            )
            session.tap.add_sink(session.recorder)
        self.sessions.append(session)
        for callback in list(self._subscribers):
            try:
                callback(session)
            except Exception:  # noqa: BLE001 - a subscriber bug must not refuse the connection
                session.sink_errors += 1
        session.tap.meta(
            META_CONNECTION_OPENED,
            url=session.upstream,
            path=session.path,
            headers=session.headers,
            dialect=session.dialect,
            model=session.model,
            **opened,
        )
        return session

    def finish_all(self) -> None:
        for session in self.sessions:
            session.finish()
