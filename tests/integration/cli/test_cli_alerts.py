"""``deltastream alerts`` against a real Alerts server: rules added, listed and removed by a
trader, refused to a viewer, and an event fired by prices through the real enricher and the
evaluator, printed by ``alerts watch``."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest

from deltastream.cli.__main__ import main
from tests.integration.alerts.conftest import Evaluation
from tests.integration.analytics.serving import ServerThread
from tests.integration.cli.conftest import Market
from tests.integration.pipeline.chains import expiry_in

pytestmark = pytest.mark.integration

Capture = pytest.CaptureFixture[str]
LEVEL = 24_100.0


def _run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _created_id(out: str) -> str:
    match = re.match(r"created rule (\S+): ", out)
    assert match is not None, out
    return match.group(1)


@pytest.mark.usefixtures("trader_session")
def test_a_rule_is_added_listed_and_removed(
    underlying: str, alerts_server: ServerThread, capsys: Capture
) -> None:
    target = ("--target", alerts_server.target)
    code, out, err = _run(
        capsys, "alerts", "add", underlying, "--kind", "price", "--above", "24500",
        "--cooldown", "5m", "--webhook", "http://127.0.0.1:9/hook", *target,
    )  # fmt: skip
    assert (code, err) == (0, "")
    rule_id = _created_id(out)
    assert out.splitlines()[0].endswith(f"{underlying} price above 24500")
    assert re.fullmatch(r"webhook secret \(shown only now\): \S+", out.splitlines()[1])

    code, out, _ = _run(capsys, "alerts", "list", *target)
    assert code == 0
    (row,) = [line for line in out.splitlines() if line.startswith(f"{rule_id} ")]
    assert f"{rule_id}: webhook http://127.0.0.1:9/hook" in out.splitlines()
    assert re.split(r" {2,}", row.strip()) == [
        rule_id, "price", underlying, "-", "-", "above 24500", "-", "5m",
    ]  # fmt: skip
    code, out, _ = _run(capsys, "alerts", "list", "--json", *target)
    (document,) = json.loads(out)
    assert (document["id"], document["spec"]["cooldownSeconds"]) == (rule_id, 300)

    assert _run(capsys, "alerts", "rm", rule_id, *target) == (0, f"deleted {rule_id}\n", "")
    assert _run(capsys, "alerts", "list", *target) == (0, "", "no alert rules\n")
    code, out, err = _run(capsys, "alerts", "rm", rule_id, *target)
    assert (code, out) == (2, "")
    assert err.startswith("error: NOT_FOUND: ")


@pytest.mark.usefixtures("viewer_session")
def test_a_viewer_is_refused_adding_a_rule(
    underlying: str, alerts_server: ServerThread, capsys: Capture
) -> None:
    code, out, err = _run(
        capsys, "alerts", "add", underlying, "--kind", "price", "--above", "1",
        "--target", alerts_server.target,
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert err.startswith("error: permission denied: ")
    assert "trader" in err
    assert "Traceback" not in err


@pytest.mark.usefixtures("trader_session")
def test_a_bad_rule_is_rejected_with_exit_2(
    underlying: str, alerts_server: ServerThread, capsys: Capture
) -> None:
    # an option's IV without the expiry, strike and option type it needs
    code, out, err = _run(
        capsys, "alerts", "add", underlying, "--kind", "iv", "--above", "0.2",
        "--target", alerts_server.target,
    )  # fmt: skip
    assert (code, out) == (2, "")
    assert err.startswith("error: INVALID_ARGUMENT: ")


@pytest.mark.usefixtures("trader_session")
def test_watch_prints_an_event_fired_by_a_price_path(
    market: Market, alerts_server: ServerThread, evaluation: Evaluation, capsys: Capture
) -> None:
    target = ("--target", alerts_server.target)
    code, out, _ = _run(
        capsys, "alerts", "add", market.underlying, "--kind", "price", "--above", f"{LEVEL:g}",
        "--cooldown", "1s", *target,
    )  # fmt: skip
    assert code == 0
    rule_id = _created_id(out)
    result: list[int] = []
    watcher = threading.Thread(
        target=lambda: result.append(
            main(["alerts", "watch", market.underlying, "--count", "1", *target])
        )
    )
    watcher.start()
    # The watch streams events from when its call starts: cross the level until one arrives.
    expiry = expiry_in(7)
    deadline = time.monotonic() + 60
    while watcher.is_alive() and time.monotonic() < deadline:
        for spot in (24_000.0, 24_200.0):
            market.publish(expiry, spot=spot)
            evaluation.drain()
        watcher.join(1.2)  # past the cool-down
    watcher.join(10)

    out, err = capsys.readouterr()
    assert result == [0]
    assert err == ""
    (line,) = out.splitlines()
    assert f"rule {rule_id}" in line
    assert line.endswith(f"{market.underlying} price 24200 crossed above {LEVEL:g}")
