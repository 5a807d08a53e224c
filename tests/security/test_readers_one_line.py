"""Every command that reads a file refuses a bad one with one line on stderr and exit 2: a missing
file, a folder, an empty file, binary garbage, and JSON of the wrong shape, whatever it expected
(a log, an audio file, a server script, a HAR or another tool's events)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BAD = {
    "missing": None,
    "folder": "DIR",
    "empty": b"",
    "binary": bytes(range(256)) * 4,
    "wrong-json": b'{"hello": [1, 2, 3]}\n',
}
COMMANDS = {
    "open": ["open", "{f}"],
    "doctor": ["doctor", "{f}"],
    "export": ["export", "{f}", "--out", "{out}"],
    "replay": ["replay", "{f}", "--as-fast-as-possible"],
    "import": ["import", "{f}", "-o", "{out}/x.jsonl"],
    "send": ["send", "{f}", "--fast"],
    "serve-script": ["serve", "--port", "0", "--script", "{f}"],
}


@pytest.mark.parametrize("shape", list(BAD))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_bad_file_is_one_line_and_exit_2(tmp_path: Path, command: str, shape: str) -> None:
    path = tmp_path / f"in-{shape}.bin"
    content = BAD[shape]
    if content == "DIR":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)  # type: ignore[arg-type]
    argv = [a.replace("{f}", str(path)).replace("{out}", str(tmp_path / "out")) for a in COMMANDS[command]]
    env = {**os.environ, "OPENAI_API_KEY": "", "XDG_STATE_HOME": str(tmp_path / "state")}
    done = subprocess.run(
        [sys.executable, "-m", "rtinspect", *argv], capture_output=True, text=True, timeout=120, env=env,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    err = done.stderr
    assert done.returncode == 2, (done.returncode, err[-400:])
    assert err.startswith("rtinspect: ") and err.count("\n") == 1, err[-400:]
    assert "Traceback" not in err
