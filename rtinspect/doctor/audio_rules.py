"""Input audio rules: wrong sample rate (wall clock and pitch), container bytes, stereo sent as
mono, odd byte counts, g711/pcm16 confusion, level problems and speech with no trailing silence.

Only a bounded sample is decoded: the first ``HEAD_MS`` of audio and the last ``TAIL_MS``;
every other append costs a length computation and an 8-character base64 decode.
"""

from __future__ import annotations

import base64
import binascii
import statistics
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np

from rtinspect.doctor import audio_analysis as aa
from rtinspect.doctor.finding import SEVERITY_ORDER, Finding, pretty_events
from rtinspect.doctor.rule import Rule, Scope
from rtinspect.tap import META_AUDIO_SOURCE_STARTED, AudioRun, Tapped

HEAD_MS = 5000
TAIL_MS = 1500
_NAMES = {"pcm": "pcm16", "pcmu": "g711 mu-law", "pcma": "g711 a-law"}
_KINDS = {"pcm16": "pcm", "g711_ulaw": "pcmu", "g711_alaw": "pcma"}  # AudioFormat.encoding -> decoder


def _in_format(scope: Scope) -> tuple[str, int]:
    """The current input format as ``(decoder kind, rate)``, what ``audio_analysis`` takes."""
    fmt = scope.state.buffer.format
    return _KINDS.get(fmt.encoding, "pcm"), fmt.rate


def _b64(data: str) -> bytes:
    try:
        return base64.b64decode(data)
    except (binascii.Error, ValueError):
        return b""


def _text(audio: str | Callable[[], str]) -> str:
    return audio if audio.__class__ is str else audio()  # type: ignore[operator]


def _rate_fix(scope: Scope, true_rate: int) -> str:
    return pretty_events(
        [
            f"resample the audio from {true_rate} Hz to 24000 Hz mono pcm16 before appending it "
            "(e.g. soxr.resample(x, %d, 24000)); the GA format rate stays 24000" % true_rate,
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000}}},
                },
            },
            {"type": "input_audio_buffer.append", "audio": "<base64 pcm16 at 24000 Hz mono>"},
        ]
    )


class WallClockRateRule(Rule):
    """Streaming in real time, audio ms appended should grow like wall-clock ms.

    Judged on the median of per-append ratios (chunk ms / gap since the previous append) AND the
    ratio over the whole stretch; both must point at the same wrong rate, so a sender that stalls
    (a loaded machine) or bursts (faster than real time) is not taken for a wrong rate.
    """

    HANDLES = {"input_audio_buffer.append": "on_append"}
    RUNS = {"input_audio_buffer.append": "on_append_run"}
    GAP_S = 1.0
    MIN_SPAN_S = 2.5
    MIN_APPENDS = 25

    def __init__(self) -> None:
        self.first_t = -1.0
        self.last_t = -1.0
        self.ms = 0.0
        self.ratios: list[float] = []
        self.first_pos = 0
        self.done = False

    def on_append_run(self, scope: Scope, pos: int, run: AudioRun) -> list[Finding] | None:
        """Each append in turn until the rule has decided (a few seconds into the stream)."""
        if self.done:
            return None
        times, sizes, events = run.times, run.sizes, run.events
        for k in range(len(run)):
            scope.nbytes = int(sizes[k])
            found = self.on_append(scope, pos + k, Tapped(float(times[k]), run.dir, events[k]))
            if found or self.done:
                return found
        return None

    def on_append(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        if self.done:
            return None
        ms = scope.nbytes / scope.bytes_per_ms
        t = rec.t
        gap = t - self.last_t
        if not self.ratios and self.ms == 0.0 or gap > self.GAP_S:
            self.first_t, self.ms, self.ratios, self.first_pos = t, 0.0, [], pos
        elif gap > 0.002 and len(self.ratios) < 400:
            self.ratios.append(ms / (gap * 1000.0))
        else:
            self.ratios.append(float("inf"))
        self.last_t = t
        self.ms += ms
        span = t - self.first_t
        if span < self.MIN_SPAN_S or len(self.ratios) < self.MIN_APPENDS:
            return None
        overall = (self.ms - ms) / (span * 1000.0)
        median = statistics.median(self.ratios)
        if median > 2.6 or 0.93 <= median <= 1.08:
            self.done = True  # faster than real time (can't tell) or healthy
            return None
        kind, rate = _in_format(scope)
        guess = aa.nearest_rate(rate * median, 0.06)
        if guess is None or guess == rate or aa.nearest_rate(rate * overall, 0.06) != guess:
            return None
        self.done = True
        stereo = " (or stereo sent as mono)" if abs(median - 2.0) < 0.1 else ""
        return [
            Finding(
                "error",
                "audio-rate-mismatch",
                f"input audio is probably {guess} Hz, declared {rate} Hz",
                f"While streaming in real time, the audio appended grew {median:.2f}x as fast as the clock "
                f"({self.ms / 1000:.1f} s of {rate} Hz audio in {span:.1f} s): the audio is probably {guess} Hz{stereo}. "
                "Declared at the wrong rate it plays at the wrong speed and pitch and transcribes badly.",
                (self.first_pos, pos),
                _rate_fix(scope, guess),
                key="clock",
            )
        ]


class AudioContentRule(Rule):
    """Decodes a bounded sample of the appended audio and checks what it really is."""

    HANDLES = {
        "input_audio_buffer.append": "on_append",
        "input_audio_buffer.speech_started": "on_started",
        "input_audio_buffer.speech_stopped": "on_stopped",
        META_AUDIO_SOURCE_STARTED: "on_source",
    }
    # Speech read 1.5x too fast (16 kHz samples declared 24 kHz): pitch, formants, the whole
    # spectrum and the speaking rate all move up 1.5x. Pitch alone cannot tell (a woman's natural
    # 220 Hz is a man's 147 Hz sped up), but where a voice's energy sits hardly follows its pitch:
    # across espeak-ng voices (9 voices, pitch -p 0-99, 150-200 wpm, tests/doctor/test_rate_voices.py)
    # the spectral centroid at the right rate is 556-1074 Hz whatever the pitch (f0 67-453 Hz), and
    # 820-1533 Hz read 1.5x too fast. So the centroid decides, the pitch raises the bar for a high
    # voice (a child's formants are higher too), and the speaking rate is reported beside them.
    FAST_CENTROID_HZ = 1100.0
    HIGH_VOICE_HZ = 250.0  # from this pitch on, a natural voice may be brighter:
    HIGH_VOICE_CENTROID_HZ = 1250.0
    SLOW_CENTROID_HZ = 500.0  # under every natural voice's: audio read too slow (44.1 kHz as 24 kHz)
    NATURAL_CENTROID_HZ = 850.0  # a voice at its true rate (what the true rate is guessed back to)
    RUNS = {"input_audio_buffer.append": "on_append_run"}

    def __init__(self) -> None:
        self.head = bytearray()
        self.head_pos: list[int] = []
        self.head_fmt: tuple[str, int] | None = None
        self.head_done = False
        # (pos, base64 text or a reader of it, decoded bytes): a log's runs are read back only
        # for the few appends that end up in the tail
        self.tail: deque[tuple[int, str | Callable[[], str], int]] = deque()
        self.tail_bytes = 0
        self.odd: list[int] = []
        self.containers: list[int] = []
        self.container_name = ""
        self.speech_open: int | None = None
        self.speech_seen = False
        self.last_append: int | None = None
        self.source_rate: int | None = None  # what rtinspect's own audio.started says went on the wire

    def on_source(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        """rtinspect's own ``audio.started`` (send, the TUI's ``a``): the samples' true rate is known, so
        a mismatch with the declared format is certain, whatever the pacing."""
        ev = rec.event
        wire, encoding = ev.get("wire_rate"), ev.get("encoding")
        if not isinstance(wire, int) or isinstance(wire, bool) or encoding != "pcm16":
            return None
        self.source_rate = wire
        declared = scope.state.buffer.format
        if declared.encoding != "pcm16" or wire == declared.rate:
            return None
        src = ev.get("path") or ev.get("source") or "the audio source"
        file_rate = ev.get("rate")
        return [
            Finding(
                "error",
                "audio-rate-mismatch",
                f"input audio is {wire} Hz, declared {declared.rate} Hz",
                f"rtinspect streamed {src} as {wire} Hz samples (the file is {file_rate} Hz) while the session "
                f"declares pcm16 at {declared.rate} Hz: the server reads it {declared.rate / wire:.2f}x too fast "
                "(chipmunk voice, bad transcripts, wrong VAD timings), however fast it was sent.",
                (pos,),
                _rate_fix(scope, wire),
                key="source",
            )
        ]

    def on_started(self, scope: Scope, pos: int, rec: Tapped) -> None:
        self.speech_open = pos
        self.speech_seen = True

    def on_stopped(self, scope: Scope, pos: int, rec: Tapped) -> None:
        self.speech_open = None

    def on_append(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        audio: Any = rec.event.get("audio")
        if not isinstance(audio, str) or not audio:
            return None
        return self._take(scope, pos, scope.nbytes, audio[:4], audio)

    def on_append_run(self, scope: Scope, pos: int, run: AudioRun) -> list[Finding] | None:
        """The run's appends, their payloads read back only where a check needs the samples: the
        head (one by one through ``_take`` until it is full), header-like first characters, and
        the appends the tail keeps. Past the head, the rest is ``_take``'s bookkeeping in bulk."""
        sizes = np.asarray(run.sizes, np.int64)
        prefixes = run.prefixes
        if prefixes is None:
            prefixes = [run.payload(k)[:4].encode() for k in range(len(run))]
        heads = np.asarray(prefixes, "S4")
        present = np.flatnonzero(heads != b"")  # an empty payload is skipped, as on_append skips it
        out: list[Finding] = []
        k0 = 0
        while k0 < len(present) and not self.head_done:
            k = int(present[k0])
            found = self._take(
                scope, pos + k, int(sizes[k]), heads[k].decode("ascii"), partial(run.payload, k)
            )
            if found:
                out.extend(found)
            k0 += 1
        present = present[k0:]
        if not len(present):
            return out or None
        if _in_format(scope)[0] == "pcm" and len(self.odd) < 10:
            for k in present[sizes[present] % 2 == 1][: 10 - len(self.odd)].tolist():
                self.odd.append(pos + k)
                if len(self.odd) in (1, 10):
                    out.append(self._odd())
        screen = present[np.isin(heads[present], np.array(aa.CONTAINER_B64_PREFIXES, "S4"))]
        for k in screen.tolist():
            name = aa.container_in(_b64(run.payload(k)[:16]))
            if name and len(self.containers) < 10:
                self.containers.append(pos + k)
                self.container_name = name
                if len(self.containers) in (1, 10):
                    out.append(self._container())
        # The tail ends as the longest suffix whose bytes after its first entry stay under the
        # limit (what popping after every append leaves), found from the end; payloads unread.
        limit = TAIL_MS * scope.bytes_per_ms
        keep: list[tuple[int, str | Callable[[], str], int]] = []
        acc = 0
        for k in reversed(present.tolist()):
            if keep and acc >= limit:
                break
            n = int(sizes[k])
            keep.append((pos + k, partial(run.payload, k), n))
            acc += n
        else:
            old = self.tail
            while old and acc < limit:
                entry = old.pop()
                keep.append(entry)
                acc += entry[2]
        keep.reverse()
        self.tail, self.tail_bytes = deque(keep), acc
        self.last_append = pos + int(present[-1])
        return out or None

    def _take(
        self, scope: Scope, pos: int, n: int, prefix: str, audio: str | Callable[[], str]
    ) -> list[Finding] | None:
        """One append of ``n`` bytes whose base64 text starts with ``prefix``; ``audio`` is the
        text or a reader of it (called only when the samples are needed)."""
        out: list[Finding] = []
        self.last_append = pos
        fmt = _in_format(scope)
        bpm = scope.bytes_per_ms
        if fmt[0] == "pcm" and n % 2 and len(self.odd) < 10:
            self.odd.append(pos)
            if len(self.odd) in (1, 10):
                out.append(self._odd())
        if prefix.startswith(aa.CONTAINER_B64_PREFIXES):
            name = aa.container_in(_b64(_text(audio)[:16]))
            if name and len(self.containers) < 10:
                self.containers.append(pos)
                self.container_name = name
                if len(self.containers) in (1, 10):
                    out.append(self._container())
        self.tail.append((pos, audio, n))
        self.tail_bytes += n
        while self.tail and self.tail_bytes - self.tail[0][2] >= TAIL_MS * bpm:
            self.tail_bytes -= self.tail.popleft()[2]
        if not self.head_done:
            if self.head_fmt is not None and self.head_fmt != fmt:
                self.head.clear()
                self.head_pos.clear()
            self.head_fmt = fmt
            self.head += _b64(_text(audio))
            self.head_pos.append(pos)
            if len(self.head) >= HEAD_MS * bpm:
                self.head_done = True
                out.extend(self._analyse_format(scope))
        return out or None

    def finish(self, scope: Scope) -> list[Finding]:
        out: list[Finding] = []
        if not self.head_done and self.head:
            self.head_done = True
            out.extend(self._analyse_format(scope))
        if self.head:
            out.extend(self._analyse_levels(scope))
        return out

    # -- findings ---------------------------------------------------------------------------------
    def _odd(self) -> Finding:
        return Finding(
            "error",
            "odd-byte-count",
            "pcm16 append with an odd number of bytes",
            "pcm16 samples are 2 bytes: an append of an odd length splits a sample, and every later sample is read "
            "with its bytes swapped (loud noise). Send whole samples (and whole frames), e.g. chunks of 4800 bytes.",
            tuple(self.odd),
            pretty_events(
                [
                    "chunk = pcm[i : i + 4800]  # even length, 100 ms at 24 kHz",
                    {"type": "input_audio_buffer.append", "audio": "<base64 chunk>"},
                ]
            ),
        )

    def _container(self) -> Finding:
        return Finding(
            "error",
            "container-bytes-in-pcm",
            f"{self.container_name} file bytes inside the appended audio",
            f"An append starts with a {self.container_name} header: the file was sent as is, so the header (and "
            "for compressed formats, all of it) is played as noise. Decode the file and append raw samples only.",
            tuple(self.containers),
            pretty_events(
                [
                    "x, rate = soundfile.read(path, dtype='int16')  # raw samples, header removed; resample to 24 kHz",
                    {"type": "input_audio_buffer.append", "audio": "<base64 of x.tobytes()>"},
                ]
            ),
        )

    def _analyse_format(self, scope: Scope) -> list[Finding]:
        kind, rate = self.head_fmt or _in_format(scope)
        data = bytes(self.head)
        events = tuple(self.head_pos[:3])
        out: list[Finding] = []
        scores = aa.interpretation(data)
        # Quiet real pcm16 also has smooth low bytes, so the g711 reading must be the more speech-like
        # of the two before the bytes are called g711 (real pcm16 reads ~0.95 as pcm16, ~0.6 as mu-law).
        g711_score = max(scores["pcmu"], scores["pcma"])
        if (
            kind == "pcm"
            and scores["low_bytes"] > 0.5
            and g711_score > 0.6
            and g711_score > scores["pcm"] + 0.05
        ):
            law = "pcmu" if scores["pcmu"] >= scores["pcma"] else "pcma"
            out.append(
                Finding(
                    "error",
                    "g711-pcm16-mismatch",
                    f"{_NAMES[law]} audio sent as pcm16",
                    f"The bytes read as {_NAMES[law]} are more speech-like (lag-1 correlation {scores[law]:.2f}) than "
                    f"read as pcm16 ({scores['pcm']:.2f}). Declare the g711 format, or convert to pcm16 24 kHz.",
                    events,
                    pretty_events(
                        [
                            {
                                "type": "session.update",
                                "session": {
                                    "type": "realtime",
                                    "audio": {"input": {"format": {"type": f"audio/{law}"}}},
                                },
                            }
                        ]
                    ),
                )
            )
            return out
        if kind in ("pcmu", "pcma") and scores[kind] < 0.3 and scores["pcm"] > 0.6:
            out.append(
                Finding(
                    "error",
                    "g711-pcm16-mismatch",
                    f"pcm16 audio sent as {_NAMES[kind]}",
                    f"The session declares {_NAMES[kind]} but the bytes look like pcm16 (lag-1 correlation "
                    f"{scores['pcm']:.2f} as pcm16, {scores[kind]:.2f} as g711). Declare audio/pcm at 24 kHz or encode "
                    "to g711 at 8 kHz.",
                    events,
                    pretty_events(
                        [
                            {
                                "type": "session.update",
                                "session": {
                                    "type": "realtime",
                                    "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000}}},
                                },
                            }
                        ]
                    ),
                )
            )
            return out
        if kind != "pcm":
            return out
        x = aa.decode(data, kind)
        if aa.stereo_score(x):
            out.append(
                Finding(
                    "error",
                    "stereo-as-mono",
                    "stereo audio sent as mono",
                    "The samples alternate between two channels (L R L R ...): the input must be mono. Interleaved "
                    "stereo read as mono plays at half speed with the channels mixed into the waveform.",
                    events,
                    pretty_events(
                        [
                            "mono = stereo.reshape(-1, 2).mean(axis=1).astype('int16')",
                            {"type": "input_audio_buffer.append", "audio": "<base64 of mono>"},
                        ]
                    ),
                )
            )
            return out
        f0 = aa.pitch_hz(x, rate)
        fast = self._sped_up(x, rate, f0, events, scope)
        if fast is not None:
            out.append(fast)
        elif f0 is not None and (f0 > 320 or f0 < 70) and self._spectrum_agrees(x, rate, f0):
            # A typical voice is ~120 Hz: scale the declared rate by how far off the pitch is.
            guess = aa.nearest_rate(rate * 120.0 / f0, 0.3) or (8000 if f0 > 320 else 48000)
            band = aa.rolloff_hz(x, rate)
            out.append(
                Finding(
                    "warning",
                    "audio-pitch-out-of-range",
                    f"voice pitch {f0:.0f} Hz: audio is probably {guess} Hz",
                    f"Read at the declared {rate} Hz the voice has a median pitch of {f0:.0f} Hz (speech is about "
                    f"75-300 Hz) and 95% of its energy under {band:.0f} Hz: the audio was probably recorded at about "
                    f"{guess} Hz and declared at the wrong rate.",
                    events,
                    _rate_fix(scope, guess),
                )
            )
        return out

    def _spectrum_agrees(self, x: Any, rate: int, f0: float) -> bool:
        """A pitch out of the voice's range is a rate problem only when the spectrum moved with it:
        a deep voice is under 70 Hz too, and a pitch tracker can lock on a harmonic (an espeak-ng
        voice at -p 0 read as 381 Hz), but neither moves where the voice's energy sits, and a
        harmonic has the true fundamental's energy under it."""
        centroid = aa.centroid_hz(x, rate)
        if f0 < 320:
            return centroid < self.SLOW_CENTROID_HZ
        # a real fundamental has (almost) nothing under it; a harmonic taken for one has the voice's own
        return centroid >= self.FAST_CENTROID_HZ or aa.energy_below(x, rate, 0.8 * f0) < 0.02

    def _sped_up(
        self, x: Any, rate: int, f0: float | None, events: tuple[int, ...], scope: Scope
    ) -> Finding | None:
        """Speech that sounds sped up (16 kHz read as 24 kHz): judged from the audio alone, so it
        works at any pacing. Skipped when rtinspect's own meta already said what the samples are."""
        if self.source_rate is not None or f0 is None:
            return None  # the meta knows better; no voice, no judgement
        centroid = aa.centroid_hz(x, rate)
        bar = self.HIGH_VOICE_CENTROID_HZ if f0 >= self.HIGH_VOICE_HZ else self.FAST_CENTROID_HZ
        if centroid < bar:
            return None
        # How much too high, from the centroid: a rough factor (voices differ), so it picks among the
        # standard rates at least 1.3x lower (22050 read as 24000 is within a voice's own range).
        factor = centroid / self.NATURAL_CENTROID_HZ
        lower = [r for r in aa.STANDARD_RATES if rate / r >= 1.3]
        if not lower:
            return None
        guess = min(lower, key=lambda r: (abs(np.log(rate / r / factor)), -r))
        factor = rate / guess
        syllables = aa.syllable_rate(x, rate)
        pace = (
            f", and it speaks {syllables:.1f} syllables a second (natural speech: about 4-7)"
            if syllables > 0
            else ""
        )
        return Finding(
            "warning",
            "audio-rate-mismatch",
            f"input audio sounds sped up: probably {guess} Hz, declared {rate} Hz",
            f"Read at the declared {rate} Hz the voice's spectrum is centred at {centroid:.0f} Hz (a voice at "
            f"its true rate: about 550-1100 Hz, whatever its pitch) with a pitch of {f0:.0f} Hz{pace}: about "
            f"{factor:.1f}x too high, as when {guess} Hz samples are declared as {rate} Hz (chipmunk voice, bad "
            "transcripts). This is judged from the audio itself, so it holds however fast the audio was sent.",
            events,
            _rate_fix(scope, guess),
            key="audio",
        )

    def _analyse_levels(self, scope: Scope) -> list[Finding]:
        kind, rate = self.head_fmt or _in_format(scope)
        x = aa.decode(bytes(self.head), kind)
        lv = aa.levels(x, rate)
        events = tuple(self.head_pos[:3])
        out: list[Finding] = []
        if lv["peak"] < 16:
            out.append(
                Finding(
                    "warning",
                    "audio-silent",
                    "the input audio is silent",
                    "The appended audio is digital silence (all samples near zero): wrong input device, muted microphone, "
                    "or a buffer of zeros. Nothing can be detected or transcribed.",
                    events,
                    None,
                )
            )
            return out
        if lv["p95_db"] < -45 and not self.speech_seen:
            out.append(
                Finding(
                    "warning",
                    "audio-too-quiet",
                    f"the input audio is very quiet ({lv['p95_db']:.0f} dBFS)",
                    "Even the loudest parts are below -45 dBFS: server VAD may never hear speech and transcripts will be "
                    "poor. Raise the input gain or normalise the audio (speech should peak around -20 to -6 dBFS).",
                    events,
                    pretty_events(
                        ["x = (x * (10 ** (26 / 20))).clip(-32768, 32767).astype('int16')  # +26 dB"]
                    ),
                )
            )
        if lv["clip"] > 0.002 and lv["clipped_n"] >= 50:
            out.append(
                Finding(
                    "warning",
                    "audio-clipped",
                    f"the input audio is clipped ({lv['clip'] * 100:.1f}% of samples)",
                    "Many samples sit at full scale: the input gain is too high (or the wrong sample format makes noise "
                    "of it). Clipping distorts speech and hurts VAD and transcription. Lower the gain.",
                    events,
                    None,
                )
            )
        out.extend(self._tail(scope))
        return out

    def _tail(self, scope: Scope) -> list[Finding]:
        if self.speech_open is None or not scope.vad_on() or not self.tail:
            return []
        kind, rate = _in_format(scope)
        data = b"".join(_b64(_text(a)) for _, a, _ in self.tail)
        x = aa.decode(data, kind)
        last = x[-int(rate * 0.3) :]
        db = aa.frame_db(last, max(rate // 50, 1))
        if len(db) == 0 or float(db.max()) < -45:
            return []
        td = scope.setting("turn_detection")
        silence = int(td.get("silence_duration_ms") or 500) if isinstance(td, dict) else 500
        return [
            Finding(
                "warning",
                "no-trailing-silence",
                "the audio ends in speech, so server VAD never ends the turn",
                f"The last appended audio is still speech ({float(db.max()):.0f} dBFS) and no speech_stopped came: "
                f"server VAD needs about {silence} ms of silence after speech before it commits. Append silence after "
                "the last words, or commit and ask for a response yourself.",
                tuple(p for p in (self.speech_open, self.last_append) if p is not None),
                pretty_events(
                    [
                        {
                            "type": "input_audio_buffer.append",
                            "audio": f"<base64 of {silence + 300} ms of zeros: {scope.state.buffer.format.bytes_for_ms(silence + 300)} bytes>",
                        },
                        "or, without waiting for VAD:",
                        {"type": "input_audio_buffer.commit"},
                        {"type": "response.create"},
                    ]
                ),
            )
        ]


# Where each piece of rate evidence comes from, strongest first (the key its finding carries).
RATE_EVIDENCE = {
    "source": "what rtinspect streamed",
    "clock": "timing",
    "audio": "the audio itself",
}


def merge_rate(pieces: list[Finding]) -> Finding:
    """One cause, one finding: the rate evidence of the clock, the audio and rtinspect's own record
    merged into one ``audio-rate-mismatch`` (key ""). The strongest piece (by severity, then by
    how direct it is) gives the title and the fix; the explanation names each piece."""
    rank = list(RATE_EVIDENCE)

    def strength(f: Finding) -> tuple[int, int]:
        return (SEVERITY_ORDER.get(f.severity, 9), rank.index(f.key) if f.key in rank else len(rank))

    ordered = sorted(pieces, key=strength)
    top = ordered[0]
    if len(ordered) == 1:
        return replace(top, key="")
    evidence = "\n".join(f"- {RATE_EVIDENCE.get(f.key, f.key or 'other')}: {f.explanation}" for f in ordered)
    return Finding(
        top.severity,
        top.code,
        f"{top.title} ({len(ordered)} pieces of evidence)",
        f"One cause, {len(ordered)} independent pieces of evidence:\n{evidence}",
        tuple(sorted({p for f in ordered for p in f.events})),
        top.fix,
        key="",
        resolved_by=None if any(f.is_open for f in ordered) else top.resolved_by,
        resolution=None if any(f.is_open for f in ordered) else top.resolution,
    )


# code -> how several findings of that code (one per key) become one (see ``engine.Doctor``)
MERGED = {"audio-rate-mismatch": merge_rate}

RULES: list[type[Rule]] = [WallClockRateRule, AudioContentRule]
