"""Entry point ``rtinspect``: parses the command line and hands off to one module per subcommand.

Each subcommand lives in ``rtinspect/commands/<module>.py`` with ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``. Command modules import heavy things (Textual, sockets, audio) inside
``run`` so that ``rtinspect --help`` and headless commands stay fast and never need a terminal UI.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from rtinspect import __version__
from rtinspect.errors import UserError
from rtinspect.secrets import redact_text

# subcommand name -> module under rtinspect.commands, in the order --help lists them.
COMMANDS: dict[str, str] = {
    "live": "live",
    "open": "open_log",
    "send": "send",
    "doctor": "doctor",
    "replay": "replay",
    "proxy": "proxy",
    "capture": "capture",
    "collect": "collect",
    "serve": "serve",
    "export": "export",
    "import": "import_log",
}
DEFAULT_COMMAND = "live"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad flag as one line and exit status 2, like every other user error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rtinspect",
        description=(
            "Terminal debugger and event inspector for the OpenAI Realtime API. "
            "With no subcommand, opens the live view (the real API when OPENAI_API_KEY or --url is set, "
            "else the embedded local server)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"rtinspect {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"rtinspect.commands.{module_name}")
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def _split_default(argv: list[str]) -> list[str]:
    """``rtinspect [live options]`` means ``rtinspect live [live options]``."""
    if not argv or argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version"):
        return argv
    return [DEFAULT_COMMAND, *argv]


def main(argv: Sequence[str] | None = None) -> int:
    args_list = _split_default(list(sys.argv[1:] if argv is None else argv))
    try:
        parser = build_parser()
        args = parser.parse_args(args_list)
        if args.command is None:
            args = parser.parse_args([DEFAULT_COMMAND])
        return int(args._module.run(args) or 0)
    except UserError as err:
        print(f"rtinspect: {redact_text(str(err))}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("rtinspect: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # noqa: BLE001 - last line of defence: no traceback reaches a user
        if os.environ.get("RTINSPECT_DEBUG"):
            raise
        from rtinspect.crash import INTERNAL_ERROR_EXIT, one_line, write_details

        print(one_line(err, write_details(err, args_list[0] if args_list else "")), file=sys.stderr)
        return INTERNAL_ERROR_EXIT
