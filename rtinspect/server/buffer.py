"""The input audio buffer of one connection: the bytes appended since the last commit or clear.

Why not a ``bytearray``: with server VAD on and speech that never stops (a steady tone, a noisy line, a
microphone left open) no turn ends, and the buffer grew with every append until the session's end: 80 MB
after 100k appends. The live API bounds a session (60 minutes, docs/protocol.md §11) and one append
(15 MiB, §5) but publishes no limit for the buffer itself, so the server keeps every byte, as faithful
as before, and only moves where they live: the first ``SPOOL_BYTES`` in memory, the rest in a temporary
file (``tempfile.SpooledTemporaryFile``, which rolls over by itself), so a turn that never ends costs
disk, not memory. When the turn ends (VAD, ``commit``, the idle timeout) its audio is read back whole:
the transcriber decodes one utterance and the item keeps its audio, as live.
"""

from __future__ import annotations

import tempfile

SPOOL_BYTES = 4 << 20  # ~87 s of pcm16 at 24 kHz held in memory; beyond it the turn goes to disk


class InputBuffer:
    """Append-only bytes with ``len``; ``take`` hands the whole turn over and starts a new one."""

    def __init__(self, spool_bytes: int = SPOOL_BYTES) -> None:
        self.spool_bytes = spool_bytes
        self._file: tempfile.SpooledTemporaryFile[bytes] | None = None
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def extend(self, data: bytes) -> None:
        if not data:
            return
        if self._file is None:
            # lives as long as the turn: closed (and its file deleted) by take, clear or the connection end
            self._file = tempfile.SpooledTemporaryFile(max_size=self.spool_bytes, prefix="rtinspect-turn-")  # noqa: SIM115
        self._file.write(data)
        self._size += len(data)

    @property
    def in_memory(self) -> int:
        """Bytes of the turn held in memory (0 once it spilled to its temporary file)."""
        if self._file is None or self._file._rolled:  # noqa: SLF001 - the spool's own flag
            return 0
        return self._size

    def take(self) -> bytes:
        """The turn's audio, in order; the buffer is empty afterwards."""
        if self._file is None:
            return b""
        self._file.seek(0)
        data = self._file.read()
        self.clear()
        return data

    def clear(self) -> None:
        if self._file is not None:
            self._file.close()  # a rolled-over file is deleted as it closes
        self._file = None
        self._size = 0
