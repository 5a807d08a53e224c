"""Filters over a reader's index columns: numpy masks, no event is parsed."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from rtinspect.errors import UserError
from rtinspect.log.format import DIR_CODES
from rtinspect.log.scan import TypeTable


class Queries:
    """Mixed into ``LogReader``: needs ``columns()`` (one consistent snapshot) and ``_table``."""

    _table: TypeTable

    def columns(self) -> dict[str, np.ndarray]:  # pragma: no cover - provided by LogReader
        raise NotImplementedError

    def _mask(
        self,
        types: Iterable[str] | None,
        dirs: Iterable[str] | None,
        type_prefix: str | tuple[str, ...] | None,
        lo: int = 0,
        hi: int | None = None,
    ) -> np.ndarray:
        cols = self.columns()  # one length for both columns, even while the index grows
        codes = cols["types"][lo:hi]
        mask = np.ones(len(codes), bool)
        if types is not None:
            types = [types] if isinstance(types, str) else types
            wanted = [self._table.codes[t] for t in types if t in self._table.codes]
            mask &= np.isin(codes, np.array(wanted, np.uint16))
        if type_prefix is not None:
            wanted = [c for c, name in enumerate(self._table.names) if name.startswith(type_prefix)]
            mask &= np.isin(codes, np.array(wanted, np.uint16))
        if dirs is not None:
            dir_list = [dirs] if isinstance(dirs, str) else list(dirs)
            unknown = [d for d in dir_list if d not in DIR_CODES]
            if unknown:
                raise UserError(f"unknown direction {unknown[0]!r} (expected client, server or meta)")
            mask &= np.isin(cols["dirs"][lo:hi], np.array([DIR_CODES[d] for d in dir_list], np.uint8))
        return mask

    def filter(
        self,
        types: Iterable[str] | None = None,
        dirs: Iterable[str] | None = None,
        type_prefix: str | tuple[str, ...] | None = None,
    ) -> np.ndarray:
        """Positions (int64) of the events matching every given condition, by numpy masks."""
        return np.flatnonzero(self._mask(types, dirs, type_prefix)).astype(np.int64)

    def find_next(
        self,
        pos: int,
        *,
        types: Iterable[str] | None = None,
        dirs: Iterable[str] | None = None,
        type_prefix: str | tuple[str, ...] | None = None,
        backward: bool = False,
    ) -> int | None:
        """The first matching position after ``pos`` (before it, with ``backward``), or None."""
        if backward:
            hits = np.flatnonzero(self._mask(types, dirs, type_prefix, 0, max(0, pos)))
            return int(hits[-1]) if len(hits) else None
        lo = pos + 1
        hits = np.flatnonzero(self._mask(types, dirs, type_prefix, lo))
        return int(hits[0]) + lo if len(hits) else None
