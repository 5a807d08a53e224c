"""Input transcription backends: a small interface, an offline pocketsphinx recognizer, a fake, and the
process pool that keeps a recognizer off the server's interpreter lock.

A backend is anything with ``transcribe(pcm16_mono_24k) -> str``; it may block, and it may raise (the
server turns the exception into ``...input_audio_transcription.failed``). ``run`` is how the server calls
one: a ``TranscriberPool`` in its worker processes, any other backend in a thread, in-process (so tests can
pass a ``FakeTranscriber`` and count its calls).

Why a process pool: pocketsphinx holds the interpreter lock for a whole decode (about 0.7 s of CPU per
second of audio here), so in a thread it freezes the event loop of every session, and the TUI too when the
server runs inside it. In a worker process only the audio and the text cross, and the loop never waits.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol, runtime_checkable

from rtinspect.audio.convert import as_pcm16, pcm16_resample
from rtinspect.errors import UserError
from rtinspect.protocol.audio import PCM16_RATE

log = logging.getLogger("rtinspect.server")


@runtime_checkable
class Transcriber(Protocol):
    """Turns one committed turn of audio into text."""

    def transcribe(self, pcm16_mono_24k: bytes) -> str: ...


class FakeTranscriber:
    """Deterministic and instant, for tests: a fixed text, or an error when ``fail`` is set."""

    def __init__(self, text: str = "hello from the fake transcriber", *, fail: str | None = None) -> None:
        self.text = text
        self.fail = fail
        self.calls = 0

    def transcribe(self, pcm16_mono_24k: bytes) -> str:
        self.calls += 1
        if self.fail:
            raise RuntimeError(self.fail)
        return self.text


class PocketsphinxTranscriber:
    """Offline English recognition with the model that ships in the pocketsphinx wheel.

    The decoder takes ~0.4 s to load, so it loads once (``load``, or lazily on first use) and is reused
    under a lock: a pocketsphinx decoder is not safe to share between threads.
    """

    def __init__(self) -> None:
        self._decoder = None
        self._lock = threading.Lock()

    def load(self):  # noqa: ANN201 - the pocketsphinx type is only known at run time
        with self._lock:
            return self._load()

    def _load(self):  # noqa: ANN202
        if self._decoder is None:
            from pocketsphinx import Decoder

            self._decoder = Decoder(loglevel="FATAL")
        return self._decoder

    def transcribe(self, pcm16_mono_24k: bytes) -> str:
        samples = as_pcm16(pcm16_mono_24k)
        if samples.size == 0:
            return ""
        audio16k = pcm16_resample(samples, PCM16_RATE, 16000)
        with self._lock:
            decoder = self._load()
            decoder.start_utt()
            decoder.process_raw(audio16k, full_utt=True)
            decoder.end_utt()
            hyp = decoder.hyp()
        return hyp.hypstr if hyp is not None else ""


# -- the worker side of the pool: one backend per worker process, built once ----------------------------

_worker_backend: Transcriber | None = None
WORKER_NICENESS = 10


def _worker_init(factory: Callable[[], Transcriber]) -> None:
    """Build the worker's backend and load its model now, not on the first turn.

    The worker runs at a lower priority (``WORKER_NICENESS``), so the server's event loop (and the TUI) keep
    their time slices when cores are scarce; transcripts come later instead. Ctrl-C reaches the whole
    process group: the workers ignore it and the server, which owns them, stops them (a worker that died of
    KeyboardInterrupt would print a traceback and break the pool).
    """
    global _worker_backend
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a decode is throughput work, the event loop is latency work: on a busy machine the loop goes first
    with contextlib.suppress(AttributeError, OSError):
        os.nice(WORKER_NICENESS)
    with contextlib.suppress(AttributeError, ValueError):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _worker_backend = factory()
    load = getattr(_worker_backend, "load", None)
    if callable(load):
        load()


def _worker_transcribe(pcm16_mono_24k: bytes) -> str:
    assert _worker_backend is not None, "worker not initialised"
    return _worker_backend.transcribe(pcm16_mono_24k)


def _worker_pid() -> int:
    return os.getpid()


class TranscriberOverloaded(RuntimeError):
    """More turns are waiting than the pool may hold: the newest turn's transcription fails instead."""


class TranscriberPool:
    """A backend run in persistent worker processes: each builds ``factory()`` once and loads its model.

    ``factory`` must be picklable (a class, or a ``functools.partial`` of one), since the workers are
    spawned (never forked: the server may run in a thread of the TUI). Workers start on demand, up to
    ``workers``; ``prepare`` starts the first one ahead of the first turn. If a worker dies the pool is
    rebuilt and the turn retried once. At most ``max_waiting`` turns wait (bounded memory under overload);
    beyond that a turn fails with ``TranscriberOverloaded``. ``close`` is fast: queued turns are
    dropped and the workers terminated, even mid-decode.
    """

    def __init__(
        self,
        factory: Callable[[], Transcriber],
        *,
        workers: int | None = None,
        max_waiting: int = 64,
    ) -> None:
        self.factory = factory
        self.workers = workers or default_workers()
        self.max_waiting = max_waiting
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._waiting = 0

    def _current(self) -> concurrent.futures.ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("the transcriber pool is closed")
            if self._executor is None:
                _start_resource_tracker()
                self._executor = concurrent.futures.ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_init,
                    initargs=(self.factory,),
                )
            return self._executor

    def _submit(self, fn: Callable[..., object], *args: object) -> concurrent.futures.Future:
        """Submit with SIGINT blocked in this thread, so the spawned worker starts with it blocked and
        a Ctrl-C during its start-up cannot kill it before ``_worker_init`` ignores it."""
        executor = self._current()
        if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
            return executor.submit(fn, *args)
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return executor.submit(fn, *args)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def prepare(self) -> None:
        """Start a worker and load its model in the background; returns at once."""
        if not self._closed and self._executor is None:
            self._submit(_worker_pid)

    def transcribe(self, pcm16_mono_24k: bytes) -> str:
        """Blocking form, for synchronous callers (and the ``Transcriber`` protocol)."""
        return self._submit(_worker_transcribe, pcm16_mono_24k).result()

    async def run(self, pcm16_mono_24k: bytes) -> str:
        """Transcribe in a worker; the event loop only waits on a future."""
        if self._waiting >= self.max_waiting:
            raise TranscriberOverloaded(
                f"rtinspect's local transcriber is overloaded ({self._waiting} turns waiting)"
            )
        self._waiting += 1
        try:
            for attempt in (1, 2):
                executor = self._current()
                try:
                    return await asyncio.wrap_future(self._submit(_worker_transcribe, pcm16_mono_24k))
                except BrokenProcessPool:
                    if self._closed:
                        raise RuntimeError("the server is stopping") from None
                    self._replace(executor)
                    if attempt == 2:
                        raise RuntimeError("the transcription worker process died") from None
                    log.warning("a transcription worker died; pool restarted, retrying the turn")
            raise AssertionError("unreachable")
        finally:
            self._waiting -= 1

    def _replace(self, broken: concurrent.futures.ProcessPoolExecutor) -> None:
        """Drop a broken executor (once, however many turns saw it break); the next submit builds anew."""
        with self._lock:
            if self._executor is broken:
                self._executor = None
            else:
                return
        _stop_executor(broken)

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and the benchmark)."""
        executor = self._executor
        processes = getattr(executor, "_processes", None) or {}
        return [p.pid for p in list(processes.values()) if p.pid is not None]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            _stop_executor(executor)


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with a usable stderr.

    The tracker is started on first use with ``sys.stderr.fileno()`` among the descriptors it keeps; inside
    the TUI ``sys.stderr`` is Textual's print capture, whose fileno is -1, and the start fails with
    "bad value(s) in fds_to_keep" (so transcription would never run there). The process's own stderr
    is put back for that one moment.
    """
    if os.name != "posix":  # the tracker and its descriptor passing are POSIX-only
        return
    from multiprocessing import resource_tracker

    try:
        usable = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = True  # no fileno at all: the tracker skips stderr by itself
    if usable:
        resource_tracker.ensure_running()
        return
    captured, sys.stderr = sys.stderr, sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = captured


def _stop_executor(executor: concurrent.futures.ProcessPoolExecutor) -> None:
    """Terminate the workers now and drop what waits: ``shutdown`` alone would let a long decode run to
    its end and hold up the interpreter's exit."""
    terminate = getattr(executor, "terminate_workers", None)  # Python 3.14+
    if callable(terminate):
        terminate()
    else:  # earlier: the executor's own process table (read before shutdown, which clears it)
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                process.terminate()
    executor.shutdown(wait=False, cancel_futures=True)


def default_workers() -> int:
    """One core stays with the event loop: cpu count - 1, at least 1, at most 4."""
    return max(1, min(4, (os.cpu_count() or 2) - 1))


Backend = Transcriber | TranscriberPool


async def run(backend: Backend, pcm16_mono_24k: bytes) -> str:
    """Transcribe with ``backend`` without blocking the event loop: in its pool, or in a thread."""
    if isinstance(backend, TranscriberPool):
        return await backend.run(pcm16_mono_24k)
    return await asyncio.get_running_loop().run_in_executor(None, backend.transcribe, pcm16_mono_24k)


def make_transcriber(spec: Backend | str | None) -> Backend | None:
    """``"pocketsphinx"`` -> the offline recognizer in a process pool, ``"pocketsphinx-thread"`` -> the same
    recognizer in-process (freezes the loop while it decodes; kept for the benchmark's baseline),
    ``"none"``/``None`` -> no backend, an object -> itself (in-process unless it is a pool)."""
    if spec is None or spec == "none":
        return None
    if isinstance(spec, str):
        if spec == "pocketsphinx":
            return TranscriberPool(PocketsphinxTranscriber)
        if spec == "pocketsphinx-thread":
            return PocketsphinxTranscriber()
        if spec == "fake":
            return FakeTranscriber()
        raise UserError(f"unknown transcriber {spec!r}: use pocketsphinx or none")
    if isinstance(spec, (Transcriber, TranscriberPool)):
        return spec
    raise UserError(f"not a transcriber: {type(spec).__name__}")
