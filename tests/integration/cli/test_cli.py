"""The ``deltastream`` client against a real MarketData server, enricher, Valkey and
SecantusDB: what a user sees for each command, and the exit codes of failures."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from deltastream.auth import Role
from deltastream.cli.__main__ import main
from deltastream.cli.client import Connection, connect
from tests.conftest import TokenAuthority
from tests.integration.cli.conftest import Market, MarketDataServer
from tests.integration.pipeline.chains import expiry_in

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("viewer_session")]

Capture = pytest.CaptureFixture[str]


def _run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _table_rows(out: str) -> list[str]:
    """The data rows of a chain table: the lines after the ``---|---|---`` rule."""
    lines = out.splitlines()
    rule = next(i for i, line in enumerate(lines) if re.fullmatch(r"-+\|-+\|-+", line))
    return lines[rule + 1 :]


def test_chain_prints_the_nearest_chain_as_a_table(
    market: Market, marketdata_target: str, capsys: Capture
) -> None:
    near, far = expiry_in(3), expiry_in(10)
    market.publish(far, sigma=0.18)
    market.publish(near, sigma=0.25)

    code, out, err = _run(capsys, "chain", market.underlying, "--target", marketdata_target)

    assert (code, err) == (0, "")
    header = out.splitlines()[0]
    assert header.startswith(f"{market.underlying} {near.isoformat()} ")
    assert "spot 24000.00" in header
    rows = _table_rows(out)
    assert len(rows) == 11
    for row in rows:
        calls, _, puts = row.split("|")
        assert calls.split()[3] == "25.00"  # IV% of the call, priced at 25%
        assert puts.split()[2] == "25.00"
    forward = float(re.search(r"forward (\d+\.\d+)", header).group(1))  # type: ignore[union-attr]
    strikes = [float(row.split("|")[1].strip(" <>")) for row in rows]
    nearest = min(strikes, key=lambda strike: abs(strike - forward))
    marked = [row for row in rows if ">" in row.split("|")[1]]
    assert len(marked) == 1
    assert float(marked[0].split("|")[1].strip(" <>")) == nearest


def test_chain_of_a_given_expiry_as_json(
    market: Market, marketdata_target: str, capsys: Capture
) -> None:
    near, far = expiry_in(3), expiry_in(10)
    market.publish(near)
    market.publish(far, sigma=0.21)

    code, out, _ = _run(
        capsys, "chain", market.underlying, "--expiry", far.isoformat(), "--json",
        "--target", marketdata_target,
    )  # fmt: skip

    assert code == 0
    snapshot = json.loads(out)
    assert (snapshot["underlying"], snapshot["expiry"]) == (market.underlying, far.isoformat())
    assert len(snapshot["rows"]) == 11
    assert all(abs(row["call"]["iv"] - 0.21) < 1e-6 for row in snapshot["rows"])
    assert snapshot["version"] == "1"  # int64 is a string in proto3 JSON


def test_expiries_are_listed_nearest_first(
    market: Market, marketdata_target: str, capsys: Capture
) -> None:
    expiries = [expiry_in(17), expiry_in(3), expiry_in(10)]
    for expiry in expiries:
        market.publish(expiry)

    code, out, _ = _run(capsys, "expiries", market.underlying, "--target", marketdata_target)

    assert code == 0
    assert out.split() == sorted(expiry.isoformat() for expiry in expiries)


def test_watch_prints_live_updates_until_the_count(
    market: Market, marketdata_target: str, capsys: Capture
) -> None:
    expiry = expiry_in(7)
    watching = threading.Event()

    def publish_until_done() -> None:
        while not watching.wait(0.2):  # the stream only carries what is published after it
            market.publish(expiry)  # the same chain again: new quotes, a new version

    publisher = threading.Thread(target=publish_until_done)
    publisher.start()
    try:
        code, out, err = _run(
            capsys, "watch", market.underlying, "--count", "2", "--target", marketdata_target
        )
    finally:
        watching.set()
        publisher.join(30)

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 2
    versions = []
    for line in lines:
        fields = line.split()
        assert fields[1:3] == [market.underlying, expiry.isoformat()]
        versions.append(int(fields[3].removeprefix("v")))
        assert "ATM IV  18.00%" in line
        latency = re.search(r"latency +(\S+) ms$", line)
        assert latency is not None
        assert float(latency.group(1)) >= 0
    assert versions[1] > versions[0]


def test_watch_ends_with_exit_1_when_the_server_goes_away(
    market: Market, marketdata: MarketDataServer, capsys: Capture
) -> None:
    market.publish(expiry_in(7))
    stopper = threading.Timer(1.0, marketdata.stop)
    stopper.start()
    try:
        code, out, err = _run(capsys, "watch", market.underlying, "--target", marketdata.target)
    finally:
        stopper.join(30)
    assert code == 1
    assert out.count(market.underlying) == 1  # the stored chain, then the end
    assert err.startswith("error: ")


@pytest.fixture
def watcher(marketdata_target: str, market: Market) -> Iterator[subprocess.Popen[str]]:
    """``python -m deltastream.cli watch`` of a stored chain, in its own process."""
    market.publish(expiry_in(7))
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "deltastream.cli", "watch", market.underlying,
         "--target", marketdata_target],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    yield process
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=30)


def test_ctrl_c_ends_watch_with_exit_0_and_no_traceback(
    watcher: subprocess.Popen[str], market: Market
) -> None:
    assert watcher.stdout is not None
    first = watcher.stdout.readline()  # the stored chain arrives first
    assert market.underlying in first
    watcher.send_signal(signal.SIGINT)
    _, err = watcher.communicate(timeout=30)
    assert watcher.returncode == 0
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err


def test_history_prints_the_stored_analytics_oldest_first(
    market: Market, marketdata_target: str, capsys: Capture
) -> None:
    expiry = expiry_in(7)
    market.publish(expiry, sigma=0.20)
    market.publish(expiry, sigma=0.30)

    code, out, _ = _run(
        capsys, "history", market.underlying, "--expiry", expiry.isoformat(), "--since", "10m",
        "--target", marketdata_target,
    )  # fmt: skip

    assert code == 0
    title, header, *rows = out.splitlines()
    assert title == f"{market.underlying} {expiry.isoformat()}"
    assert header.split()[:3] == ["time", "version", "spot"]
    assert [row.split()[2] for row in rows] == ["1", "2"]  # date, time, version, ...
    assert [row.split()[5] for row in rows] == ["20.00%", "30.00%"]  # ATM IV


def test_history_pages_are_followed(
    market: Market, marketdata_target: str, token_authority: TokenAuthority
) -> None:
    expiry = expiry_in(7)
    for sigma in (0.2, 0.25, 0.3):
        market.publish(expiry, sigma=sigma)

    metadata = token_authority.metadata(Role.VIEWER)
    with connect(Connection(marketdata_target, 5.0), metadata) as client:
        pages = list(client.history(market.underlying, expiry.isoformat(), 0, page_size=2))

    assert [len(page) for page in pages] == [2, 1]
    assert [s.version for page in pages for s in page] == [1, 2, 3]


def test_history_as_json_lines_without_rows(
    market: Market, marketdata_target: str, capsys: Capture
) -> None:
    market.publish(expiry_in(7))

    code, out, _ = _run(
        capsys, "history", market.underlying, "--json", "--target", marketdata_target
    )

    assert code == 0
    (line,) = out.splitlines()
    snapshot = json.loads(line)
    assert snapshot["underlying"] == market.underlying
    assert "rows" not in snapshot or snapshot["rows"] == []
    assert abs(snapshot["analytics"]["atmIv"] - 0.18) < 1e-6


@pytest.mark.parametrize("symbol", ['{"$gt": ""}', "NIFTY; DROP", "N" * 200, "नि फ्टी"])
def test_a_bad_symbol_is_rejected_with_exit_2(
    symbol: str, marketdata_target: str, capsys: Capture
) -> None:
    code, out, err = _run(capsys, "chain", symbol, "--target", marketdata_target)
    assert code == 2
    assert out == ""
    assert err.startswith("error: INVALID_ARGUMENT: underlying: ")
    assert "Traceback" not in err


def test_a_missing_chain_is_not_found_with_exit_2(
    market: Market, marketdata_target: str, capsys: Capture
) -> None:
    code, _, err = _run(capsys, "chain", market.underlying, "--target", marketdata_target)
    assert code == 2
    assert err.startswith("error: NOT_FOUND: ")

    published, missing = expiry_in(7), expiry_in(8)
    market.publish(published)
    code, _, err = _run(
        capsys, "chain", market.underlying, "--expiry", missing.isoformat(),
        "--target", marketdata_target,
    )  # fmt: skip
    assert code == 2
    assert err.startswith("error: NOT_FOUND: ")
    assert missing.isoformat() in err


def test_history_without_any_chain_is_not_found(
    market: Market, marketdata_target: str, capsys: Capture
) -> None:
    code, _, err = _run(capsys, "history", market.underlying, "--target", marketdata_target)
    assert code == 2
    assert err.startswith(f"error: NOT_FOUND: not found: chains of {market.underlying}")


def test_no_expiries_is_not_an_error(
    market: Market, marketdata_target: str, capsys: Capture
) -> None:
    code, out, err = _run(capsys, "expiries", market.underlying, "--target", marketdata_target)
    assert (code, out) == (0, "")
    assert market.underlying in err


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("command", ["chain", "expiries", "watch", "history"])
def test_an_unreachable_server_is_reported_with_exit_1(command: str, capsys: Capture) -> None:
    target = f"127.0.0.1:{_closed_port()}"
    code, out, err = _run(capsys, command, "NIFTY", "--target", target, "--timeout", "0.3")
    assert code == 1
    assert out == ""
    assert err == f"error: UNAVAILABLE: no MarketData server reachable at {target} within 0.3s\n"


def test_the_target_can_come_from_the_environment(
    market: Market, marketdata_target: str, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    expiry = expiry_in(7)
    market.publish(expiry)
    monkeypatch.setenv("DELTASTREAM_MARKETDATA_TARGET", marketdata_target)
    code, out, _ = _run(capsys, "expiries", market.underlying)
    assert (code, out.strip()) == (0, expiry.isoformat())
