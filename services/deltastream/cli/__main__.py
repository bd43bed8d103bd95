"""``deltastream``: the command-line client of MarketData, Analytics, Alerts and Auth. Only
wiring: argparse to commands."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TypeAlias

from deltastream.cli import (
    account,
    alerts_commands,
    analytics_commands,
    arguments,
    commands,
    parsers,
)
from deltastream.cli.client import Connection
from deltastream.cli.credentials import Credentials
from deltastream.cli.render import ChainView
from deltastream.cli.session import SessionStore, session_directory
from deltastream.cli.settings import ClientSettings

SESSION_COMMANDS = frozenset({"login", "logout", "whoami"})


def build_parser(settings: ClientSettings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deltastream", description="Option chains, analytics and alerts from DeltaStream."
    )
    common = parsers.common_options(
        settings.marketdata_target,
        "MarketData",
        "DELTASTREAM_MARKETDATA_TARGET",
        settings.marketdata_timeout_seconds,
    )
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_chain(subcommands, common)
    _add_expiries(subcommands, common)
    _add_watch(subcommands, common)
    _add_history(subcommands, common)
    parsers.add_analytics(subcommands, settings)
    parsers.add_alerts(subcommands, settings)
    _add_session_commands(subcommands, settings)
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


def _add_session_commands(subcommands: Subcommands, settings: ClientSettings) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--auth-target",
        default=settings.auth_target,
        help="host:port of Auth (default: $DELTASTREAM_AUTH_TARGET or %(default)s)",
    )
    common.add_argument(
        "--timeout",
        type=arguments.positive_seconds,
        default=settings.marketdata_timeout_seconds,
        help="seconds to wait for the server and for each call (default %(default)s)",
    )
    common.add_argument("--json", action="store_true", help="print JSON instead of text")
    login = subcommands.add_parser(
        "login", parents=[common], help="log in and keep the session for the other commands"
    )
    login.add_argument(
        "--user", default=settings.user, help="user name (default: $DELTASTREAM_USER or admin)"
    )
    login.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    subcommands.add_parser("logout", parents=[common], help="end the session and forget it")
    subcommands.add_parser(
        "whoami", parents=[common], help="who the session (or $DELTASTREAM_API_KEY) is"
    )


def _session_action(
    args: argparse.Namespace,
    output: commands.Output,
    store: SessionStore,
    credentials: Credentials,
) -> commands.Action:
    auth = Connection(target=args.auth_target, timeout_seconds=args.timeout)
    if args.command == "login":
        password = _stdin_password if args.password_stdin else _prompted_password(args.user)
        return account.login(output, store, auth, args.user, password)
    if args.command == "logout":
        return account.logout(output, store, args.timeout)
    return account.whoami(output, credentials, auth)


def _stdin_password() -> str:
    return sys.stdin.readline().removesuffix("\n").removesuffix("\r")


def _prompted_password(username: str) -> Callable[[], str]:
    return lambda: getpass.getpass(f"password of {username}: ")


def _command(args: argparse.Namespace, output: commands.Output) -> commands.Command:
    if args.command == "chain":
        view = ChainView(mid_only=args.mid, strikes_around=args.strikes, zone=output.zone)
        return commands.chain(output, args.underlying, args.expiry or "", view)
    if args.command == "expiries":
        return commands.expiries(output, args.underlying)
    if args.command == "watch":
        return commands.watch(output, args.underlyings, args.expiry, args.count)
    return commands.history(output, args.underlying, args.expiry or "", args.since, time.time_ns())


def _service_action(
    args: argparse.Namespace, output: commands.Output, credentials: Credentials
) -> commands.Action:
    """The action of a command that calls MarketData, Analytics or Alerts at ``--target``."""
    connection = Connection(target=args.target, timeout_seconds=args.timeout)
    if args.command == "analytics":
        command = analytics_commands.chain_analytics(output, args.underlying, args.expiry or "")
        return analytics_commands.analytics_service(connection, credentials, command)
    if args.command == "surface":
        command = analytics_commands.surface(output, args.underlying)
        return analytics_commands.analytics_service(connection, credentials, command)
    if args.command == "alerts":
        return alerts_commands.alerts_service(connection, credentials, _alerts(args, output))
    return commands.market_data(connection, credentials, _command(args, output))


def _alerts(args: argparse.Namespace, output: commands.Output) -> alerts_commands.AlertsCommand:
    if args.alerts_command == "add":
        return alerts_commands.add(output, parsers.rule_request(args))
    if args.alerts_command == "list":
        return alerts_commands.list_rules(output, args.underlying)
    if args.alerts_command == "rm":
        return alerts_commands.remove(output, args.rule_ids)
    return alerts_commands.watch(output, args.underlyings, args.rule_ids, args.count)


def main(argv: Sequence[str] | None = None) -> int:
    settings = ClientSettings()
    args = build_parser(settings).parse_args(argv)
    output = commands.Output(
        out=sys.stdout,
        err=sys.stderr,
        as_json=args.json,
        zone=getattr(args, "tz", None) or arguments.local_zone(),
    )
    store = SessionStore(session_directory(os.environ))
    api_key = settings.api_key.get_secret_value() if settings.api_key else None
    credentials = Credentials(store, api_key, args.timeout)
    if args.command in SESSION_COMMANDS:
        action = _session_action(args, output, store, credentials)
    else:
        action = _service_action(args, output, credentials)
    try:
        return commands.run(output, action, api_key=credentials.uses_api_key)
    except BrokenPipeError:
        # The reader went away (e.g. `deltastream watch NIFTY | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return commands.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
