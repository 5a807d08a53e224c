"""The command line: every planned subcommand is listed, bad flags are one line, nothing pretends."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rtinspect.cli import COMMANDS, main


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rtinspect", *args], capture_output=True, text=True, timeout=60
    )


def test_help_lists_every_planned_subcommand() -> None:
    out = run_cli("--help")
    assert out.returncode == 0
    for name in ("open", "send", "doctor", "replay", "proxy", "serve", "export", "import", "live"):
        assert name in out.stdout


def test_bad_flag_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--no-such-flag", "x.jsonl"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--no-such-flag" in err and "Traceback" not in err


def test_unknown_subcommand_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_subcommand_has_help(name: str) -> None:
    out = run_cli(name, "--help")
    assert out.returncode == 0, out.stderr
    assert "usage: rtinspect " + name in out.stdout
