"""Running numbers for the status bar: tokens, estimated cost, per-turn latency, session expiry.

Kept apart from the model so each stays small; cheap enough to update on every event. No Textual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# $ per 1M tokens for gpt-realtime (published prices, an estimate only).
PRICE_PER_M = {"text_in": 4.0, "audio_in": 32.0, "cached_in": 0.4, "text_out": 16.0, "audio_out": 64.0}


@dataclass
class Turn:
    """Latency of one turn: from the end of the user's speech (or commit) to the first response output."""

    end_t: float
    first_output_t: float | None = None

    @property
    def latency(self) -> float | None:
        return None if self.first_output_t is None else self.first_output_t - self.end_t


@dataclass
class Stats:
    """Running numbers for the status bar, cheap to keep up to date on every event."""

    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    turns: list[Turn] = field(default_factory=list)
    expires_at: float | None = None
    connected: bool | None = None
    close_reason: str = ""

    def add_usage(self, usage: dict[str, Any]) -> None:
        ind = usage.get("input_token_details") or {}
        outd = usage.get("output_token_details") or {}
        self.tokens_in += int(usage.get("input_tokens") or 0)
        self.tokens_out += int(usage.get("output_tokens") or 0)
        cached = int(ind.get("cached_tokens") or 0)
        self.cost += (
            (int(ind.get("text_tokens") or 0) - min(cached, int(ind.get("text_tokens") or 0)))
            * PRICE_PER_M["text_in"]
            + int(ind.get("audio_tokens") or 0) * PRICE_PER_M["audio_in"]
            + cached * PRICE_PER_M["cached_in"]
            + int(outd.get("text_tokens") or 0) * PRICE_PER_M["text_out"]
            + int(outd.get("audio_tokens") or 0) * PRICE_PER_M["audio_out"]
        ) / 1e6

    @property
    def last_latency(self) -> float | None:
        for turn in reversed(self.turns):
            if turn.latency is not None:
                return turn.latency
        return None
