"""`rtinspect capture`: see an app whose Realtime URL you cannot change, through mitmproxy."""

from __future__ import annotations

import argparse
import sys

from rtinspect.commands.proxy import parse_listen

HELP = "Capture any app's Realtime WebSocket through mitmproxy (HTTPS_PROXY); record and show it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--listen",
        default="127.0.0.1:8080",
        metavar="HOST:PORT",
        help="where mitmproxy listens: your app's HTTPS_PROXY (default 127.0.0.1:8080)",
    )
    parser.add_argument(
        "--collector",
        default="127.0.0.1:8766",
        metavar="HOST:PORT",
        help="where rtinspect's collector listens for the addon (default 127.0.0.1:8766)",
    )
    parser.add_argument(
        "--record",
        metavar="LOG",
        help="record each Realtime flow: LOG for the first, LOG-2.jsonl, ... (or a folder)",
    )
    parser.add_argument(
        "--headless", action="store_true", help="print one line per event instead of opening the TUI"
    )
    parser.add_argument(
        "--mitmdump", metavar="PATH", help="the mitmdump to run (default: mitmdump on the PATH)"
    )
    parser.add_argument(
        "--host",
        action="append",
        dest="hosts",
        metavar="HOST",
        help="also capture WebSocket flows to HOST, whatever their path (repeatable)",
    )
    parser.add_argument(
        "--collector-only",
        action="store_true",
        help="do not start mitmdump: you run mitmproxy yourself with the addon (see --addon-path)",
    )
    parser.add_argument(
        "--addon-path",
        action="store_true",
        help="print the path of rtinspect's mitmproxy addon (for your own mitmproxy) and exit",
    )
    parser.add_argument(
        "mitm_args",
        nargs=argparse.REMAINDER,
        metavar="-- MITMDUMP_ARGS",
        help="anything after -- goes to mitmdump (e.g. -- --set confdir=DIR)",
    )


def run(args: argparse.Namespace) -> int:
    from rtinspect.capture import ADDON_PATH, Collector
    from rtinspect.capture.mitmdump import Mitmdump, confdir_of, find_mitmdump, setup_lines
    from rtinspect.capture.run import run_collector
    from rtinspect.errors import UserError

    if args.addon_path:
        print(ADDON_PATH)
        return 0
    extra = list(args.mitm_args or [])
    if extra and extra[0] == "--":
        extra = extra[1:]
    proxy_host, proxy_port = parse_listen(args.listen)
    try:
        host, port = parse_listen(args.collector)
    except UserError as err:
        raise UserError(str(err).replace("--listen", "--collector")) from None
    exe = None if args.collector_only else find_mitmdump(args.mitmdump)
    collector = Collector(host, port, record=args.record, allow_origins=(), prefix="capture")
    collector.wait_words = ("rtinspect capture", "in the shell that runs your app", "Realtime flows seen by")
    mitm = None
    if exe is not None:
        mitm = Mitmdump(exe, proxy_host, proxy_port, hosts=tuple(args.hosts or ()), extra_args=extra)
        collector.companions.append(mitm)
        collector.label = f"mitmproxy {mitm.proxy_url} → your app's own endpoint"
        collector.hint = lambda: f"HTTPS_PROXY={mitm.proxy_url}  SSL_CERT_FILE={mitm.ca_path}"
    else:
        if not args.collector_only:
            print(
                "rtinspect: mitmdump is not on the PATH (install it with 'pipx install mitmproxy', or pass "
                "--mitmdump PATH): running the collector only, for a mitmproxy you start yourself",
                file=sys.stderr,
            )
        collector.label = "your own mitmproxy with rtinspect's addon"
        hosts = f" --set rtinspect_hosts={','.join(args.hosts)}" if args.hosts else ""
        collector.hint = lambda: f"mitmdump -s {ADDON_PATH} --set rtinspect_collector={collector.url}{hosts}"

    def intro() -> list[str]:
        lines = [f"rtinspect collector listening on {collector.url}"]
        if mitm is not None:
            lines.append(f"mitmdump listening on {mitm.proxy_url} (log: {mitm.log_path})")
            lines += setup_lines(mitm.proxy_url, mitm.ca_path)
        else:
            ca = confdir_of(extra) / "mitmproxy-ca-cert.pem"
            lines.append(f"run: {collector.app_url}")
            lines += setup_lines(f"http://{proxy_host}:{proxy_port}", ca)
        lines.append(
            "Realtime WebSocket flows become sessions here; other traffic passes untouched. Ctrl-C stops"
        )
        return lines

    return run_collector(collector, headless=args.headless, intro=intro)
