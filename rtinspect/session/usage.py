"""Token usage and its estimated cost: the one price table (docs/protocol.md §13).

The status bar, the doctor's usage finding and any export read ``UsageTotals.cost`` /
``Response.cost``, which the fold fills in from ``response.done`` with ``cost_of``; so one response
has one price wherever it is shown. Prices are published figures with a date, not live ones: every
view labels the figure an estimate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Prices = tuple[float, float, float, float, float, float]
"""USD per 1M tokens: (text in, cached text in, text out, audio in, cached audio in, audio out)."""

# openai.com/api/pricing as published with each model (gpt-realtime 2025-08-28, gpt-realtime-mini
# 2025-10-06, the preview models Dec 2024); recorded 2026-11-30, see docs/protocol.md §13.
PRICES: dict[str, Prices] = {
    "gpt-realtime-mini": (0.60, 0.06, 2.40, 10.0, 0.30, 20.0),
    "gpt-realtime": (4.0, 0.40, 16.0, 32.0, 0.40, 64.0),
    "gpt-4o-mini-realtime-preview": (0.60, 0.30, 2.40, 10.0, 0.30, 20.0),
    "gpt-4o-realtime-preview": (5.0, 2.50, 20.0, 40.0, 2.50, 80.0),
}
DEFAULT_PRICE_MODEL = "gpt-realtime"
PRICES_DATE = "2025-08-28"  # the gpt-realtime announcement the table starts from


def price_for(model: str | None) -> tuple[str, Prices]:
    """The price row for a model id (the longest known prefix; unknown models: gpt-realtime)."""
    name = str(model or "")
    for key in sorted(PRICES, key=len, reverse=True):
        if name.startswith(key):
            return key, PRICES[key]
    return DEFAULT_PRICE_MODEL, PRICES[DEFAULT_PRICE_MODEL]


def _int(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def _d(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def cost_of(usage: Mapping[str, Any], model: str | None) -> float:
    """Estimated USD of one ``response.done`` usage object; cached tokens at the cached rate only."""
    _, (t_in, t_cached, t_out, a_in, a_cached, a_out) = price_for(model)
    ind, outd = _d(usage.get("input_token_details")), _d(usage.get("output_token_details"))
    cached = _d(ind.get("cached_tokens_details"))
    c_text, c_audio = _int(cached.get("text_tokens")), _int(cached.get("audio_tokens"))
    if not cached and _int(ind.get("cached_tokens")):
        c_text = _int(ind.get("cached_tokens"))
    text_in = max(_int(ind.get("text_tokens")) - c_text, 0)
    audio_in = max(_int(ind.get("audio_tokens")) - c_audio, 0)
    total = (
        text_in * t_in
        + c_text * t_cached
        + audio_in * a_in
        + c_audio * a_cached
        + _int(outd.get("text_tokens")) * t_out
        + _int(outd.get("audio_tokens")) * a_out
    )
    return total / 1_000_000


def session_model(effective: Mapping[str, Any] | None, connection_model: str | None) -> str | None:
    """The model a session is billed as: the session's ``model``, else the connection's ``?model=``."""
    model = (effective or {}).get("model")
    return model if isinstance(model, str) and model else connection_model
