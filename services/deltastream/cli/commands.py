"""The MarketData subcommands: call, render, print; and the one place where failures become
an ``error: ...`` line on stderr and an exit code (never a traceback).

Exit codes: 0 success (and Ctrl-C while watching), 1 any other failure (including an
unreachable server, no login, and a refused credential or role), 2 a request the server rejects
as INVALID_ARGUMENT or NOT_FOUND (argparse also exits 2 on a bad command line), 130 Ctrl-C
elsewhere.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TextIO, TypeVar

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from deltastream.cli import render
from deltastream.cli.client import Connection, MarketDataClient, ServerUnreachableError, connect
from deltastream.cli.credentials import Credentials
from deltastream.cli.session import NotLoggedInError
from deltastream.errors import DeltaStreamError, InvalidArgumentError, NotFoundError
from deltastream.v1 import market_data_pb2, market_pb2

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_REJECTED = 2
EXIT_INTERRUPTED = 130
_REJECTED_STATUSES = frozenset({grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND})

NOT_LOGGED_IN = "not logged in (run: deltastream login)"
API_KEY_REFUSED = "the API key in DELTASTREAM_API_KEY was refused"

Command = Callable[[MarketDataClient], None]
Action = Callable[[], None]


@dataclass(frozen=True, slots=True)
class Output:
    """Where results go (``out``) and where errors and notes go (``err``)."""

    out: TextIO
    err: TextIO
    as_json: bool = False
    zone: dt.tzinfo = dt.UTC


def market_data(connection: Connection, credentials: Credentials, command: Command) -> Action:
    """Connect to MarketData with the caller's credential and run ``command``."""

    def action() -> None:
        metadata = credentials.metadata()
        with connect(connection, metadata) as client:
            command(client)

    return action


def run(output: Output, action: Action, *, api_key: bool = False) -> int:
    """Run ``action`` and turn every expected failure into an exit code; ``api_key`` says
    whether the credential was an API key (for what a refusal means)."""
    try:
        action()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except (grpc.RpcError, DeltaStreamError) as exc:
        message, exit_code = _explained(exc, api_key=api_key)
        _say(output, message)
        return exit_code
    return EXIT_OK


def _explained(error: Exception, *, api_key: bool) -> tuple[str, int]:
    """The ``error: ...`` message and the exit code of a failure."""
    if isinstance(error, grpc.RpcError):
        return _refusal(error.code(), error.details() or "no details", api_key=api_key)
    if isinstance(error, NotLoggedInError):
        return NOT_LOGGED_IN, EXIT_FAILURE
    if isinstance(error, ServerUnreachableError):
        return f"UNAVAILABLE: {error}", EXIT_FAILURE
    if isinstance(error, InvalidArgumentError | NotFoundError):
        return f"{_status_name(error)}: {error}", EXIT_REJECTED
    return str(error), EXIT_FAILURE


def _refusal(code: grpc.StatusCode, details: str, *, api_key: bool) -> tuple[str, int]:
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return (API_KEY_REFUSED if api_key else NOT_LOGGED_IN), EXIT_FAILURE
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return details, EXIT_FAILURE  # "permission denied: <who> lacks the <role> role"
    exit_code = EXIT_REJECTED if code in _REJECTED_STATUSES else EXIT_FAILURE
    return f"{code.name}: {details}", exit_code


def chain(output: Output, underlying: str, expiry: str, view: render.ChainView) -> Command:
    def command(client: MarketDataClient) -> None:
        snapshot = client.chain(underlying, expiry)
        print_text(
            output, message_json(snapshot) if output.as_json else render.chain_text(snapshot, view)
        )

    return command


def expiries(output: Output, underlying: str) -> Command:
    def command(client: MarketDataClient) -> None:
        found = client.expiries(underlying)
        if output.as_json:
            print_text(output, json.dumps(found))
        elif found:
            print_text(output, render.expiries_text(found))
        else:
            print(f"no expiries with a chain for {underlying}", file=output.err)

    return command


def watch(
    output: Output, underlyings: list[str], expiries: list[str], count: int | None
) -> Command:
    """Print updates until ``count`` of them, the end of the stream, or Ctrl-C (exit 0)."""

    def line(update: market_data_pb2.ChainUpdate) -> str:
        if output.as_json:
            return message_json(update, compact=True)
        return render.update_line(update, time.time_ns(), output.zone)

    def command(client: MarketDataClient) -> None:
        with client.subscribe(underlyings, expiries) as updates:
            print_until(output, updates, line, count)

    return command


def history(
    output: Output, underlying: str, expiry: str, since: dt.timedelta, now_ns: int
) -> Command:
    """Analytics of the stored snapshots from ``now_ns - since`` on, page by page."""

    def command(client: MarketDataClient) -> None:
        chosen = expiry or _nearest_expiry(client, underlying)
        start_ns = max(now_ns - int(since.total_seconds() * 1e9), 0)
        printed = 0
        if not output.as_json:
            print_text(output, f"{underlying} {chosen}\n{render.history_header()}")
        for page in client.history(underlying, chosen, start_ns):
            for snapshot in page:
                print_text(
                    output,
                    _history_json(snapshot)
                    if output.as_json
                    else render.history_line(snapshot, output.zone),
                )
            printed += len(page)
        if not printed:
            print(f"no snapshots of {underlying} {chosen} in the last {since}", file=output.err)

    return command


def _nearest_expiry(client: MarketDataClient, underlying: str) -> str:
    found = client.expiries(underlying)
    if not found:
        raise NotFoundError(f"chains of {underlying}")
    return found[0]


def message_json(message: Message, *, compact: bool = False) -> str:
    document = json_format.MessageToDict(message, always_print_fields_with_no_presence=True)
    return json.dumps(document, indent=None if compact else 2)


def _history_json(snapshot: market_pb2.ChainSnapshot) -> str:
    """One line per snapshot: its header fields and analytics, without the rows."""
    header = market_pb2.ChainSnapshot()
    header.CopyFrom(snapshot)
    del header.rows[:]
    return message_json(header, compact=True)


def print_until(
    output: Output, items: Iterable[T], line: Callable[[T], str], count: int | None
) -> None:
    """One line per item of a server stream until ``count`` of them, the end of the stream
    (said on stderr), or Ctrl-C."""
    try:
        for seen, item in enumerate(items, start=1):
            print_text(output, line(item))
            if count is not None and seen >= count:
                return
    except KeyboardInterrupt:
        return
    print("the server ended the stream", file=output.err)


def print_text(output: Output, text: str) -> None:
    print(text, file=output.out, flush=True)


def _say(output: Output, message: str) -> None:
    print(f"error: {message}", file=output.err)


def _status_name(error: DeltaStreamError) -> str:
    return "NOT_FOUND" if isinstance(error, NotFoundError) else "INVALID_ARGUMENT"
