"""The one did-you-mean: the closest known name to a misspelt one.

Validation hints (``unknown_parameter`` at ``session.turn_detecton``), the doctor's fixes and an
unknown client event ``type`` all suggest through this function, so one misspelling gets one answer.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


def closest_name(value: Any, choices: Iterable[Any], *, cutoff: float = 0.6) -> str | None:
    """The known name ``value`` most likely meant, or None.

    ``difflib`` similarity at ``cutoff`` first; then a unique choice that only adds a prefix
    (``text`` -> ``input_text`` when no ``text`` exists).
    """
    if not isinstance(value, str) or not value:
        return None
    names = sorted(c for c in choices if isinstance(c, str))
    match = difflib.get_close_matches(value, names, n=1, cutoff=cutoff)
    if match:
        return match[0]
    prefixed = [n for n in names if n.endswith("_" + value)]
    return prefixed[0] if len(prefixed) == 1 else None
