"""``deltastream``: the command-line client of MarketData. Only wiring: argparse to commands."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import TypeAlias

from deltastream.cli import arguments, commands
from deltastream.cli.client import Connection
from deltastream.cli.render import ChainView
from deltastream.cli.settings import ClientSettings


def build_parser(settings: ClientSettings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deltastream", description="Live and historical option chains from MarketData."
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--target",
        default=settings.marketdata_target,
        help="host:port of MarketData (default: $DELTASTREAM_MARKETDATA_TARGET or %(default)s)",
    )
    common.add_argument(
        "--timeout",
        type=arguments.positive_seconds,
        default=settings.marketdata_timeout_seconds,
        help="seconds to wait for the server and for each call (default %(default)s)",
    )
    common.add_argument("--json", action="store_true", help="print JSON instead of text")
    common.add_argument(
        "--tz", type=arguments.time_zone, help="time zone of printed times (default: local)"
    )
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_chain(subcommands, common)
    _add_expiries(subcommands, common)
    _add_watch(subcommands, common)
    _add_history(subcommands, common)
    return parser


Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _add_chain(subcommands: Subcommands, common: argparse.ArgumentParser) -> None:
    chain = subcommands.add_parser("chain", parents=[common], help="the latest chain as a table")
    chain.add_argument("underlying", help="e.g. NIFTY")
    chain.add_argument("--expiry", type=arguments.expiry, help="default: the nearest")
    chain.add_argument("--mid", action="store_true", help="show the mid instead of bid and ask")
    chain.add_argument(
        "--strikes",
        type=arguments.positive_integer,
        help="show only this many strikes on each side of the ATM strike",
    )


def _add_expiries(subcommands: Subcommands, common: argparse.ArgumentParser) -> None:
    expiries = subcommands.add_parser(
        "expiries", parents=[common], help="the expiries with a chain, nearest first"
    )
    expiries.add_argument("underlying")


def _add_watch(subcommands: Subcommands, common: argparse.ArgumentParser) -> None:
    watch = subcommands.add_parser(
        "watch", parents=[common], help="one line per live chain update, until Ctrl-C"
    )
    watch.add_argument("underlyings", nargs="+", metavar="underlying")
    watch.add_argument(
        "--expiry",
        type=arguments.expiry,
        action="append",
        default=[],
        help="only this expiry (repeatable; default: all)",
    )
    watch.add_argument(
        "--count", type=arguments.positive_integer, help="stop after this many updates"
    )


def _add_history(subcommands: Subcommands, common: argparse.ArgumentParser) -> None:
    history = subcommands.add_parser("history", parents=[common], help="chain analytics over time")
    history.add_argument("underlying")
    history.add_argument("--expiry", type=arguments.expiry, help="default: the nearest")
    history.add_argument(
        "--since",
        type=arguments.duration,
        default=arguments.duration("1h"),
        help="how far back, e.g. 10m, 2h, 1d (default 1h)",
    )


def _command(args: argparse.Namespace, output: commands.Output) -> commands.Command:
    if args.command == "chain":
        view = ChainView(mid_only=args.mid, strikes_around=args.strikes, zone=output.zone)
        return commands.chain(output, args.underlying, args.expiry or "", view)
    if args.command == "expiries":
        return commands.expiries(output, args.underlying)
    if args.command == "watch":
        return commands.watch(output, args.underlyings, args.expiry, args.count)
    return commands.history(output, args.underlying, args.expiry or "", args.since, time.time_ns())


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(ClientSettings()).parse_args(argv)
    output = commands.Output(
        out=sys.stdout,
        err=sys.stderr,
        as_json=args.json,
        zone=args.tz or arguments.local_zone(),
    )
    connection = Connection(target=args.target, timeout_seconds=args.timeout)
    try:
        return commands.run(connection, output, _command(args, output))
    except BrokenPipeError:
        # The reader went away (e.g. `deltastream watch NIFTY | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return commands.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
