"""A finding's fix as events to send or a file to keep. No Textual.

Why: the doctor writes a fix as text to paste (one pretty ``session.update``, or a sequence of
events with ``//`` notes between them). Applying it should not mean retyping it: the live view
opens the editor prefilled with it, and a recorded log gets it saved beside the log.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rtinspect.doctor.finding import Finding


def fix_events(fix: str) -> list[dict[str, Any]]:
    """The JSON objects of a fix, in order (``//`` note lines skipped); [] when it holds none."""
    text = "\n".join(line for line in fix.splitlines() if not line.lstrip().startswith("//"))
    decoder = json.JSONDecoder()
    out: list[dict[str, Any]] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return out
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return out
        if isinstance(value, dict):
            out.append(value)


def fix_path(log: str | Path, finding: Finding) -> Path:
    """``<log stem>.fix-<code>.json`` beside the log."""
    p = Path(log)
    key = f"-{finding.key}" if finding.key else ""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{finding.code}{key}")
    return p.with_name(f"{p.stem}.fix-{safe}.json")


def save_fix(log: str | Path, finding: Finding) -> Path:
    """Write a finding's fix beside the log (the events as JSON, one per line when several)."""
    if not finding.fix:
        raise ValueError(f"{finding.code} has no fix")
    events = fix_events(finding.fix)
    path = fix_path(log, finding)
    body = json.dumps(events[0], indent=2) if len(events) == 1 else "\n".join(json.dumps(e) for e in events)
    path.write_text((body or finding.fix) + "\n", encoding="utf-8")
    return path
