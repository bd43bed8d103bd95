"""``deltastream analytics`` and ``surface`` against a real Analytics server, with chains
stored by the real enricher from quotes priced at a known volatility."""

from __future__ import annotations

import json
import re

import pytest

from deltastream.cli.__main__ import main
from tests.integration.analytics.serving import ServerThread
from tests.integration.cli.conftest import Market
from tests.integration.pipeline.chains import expiry_in

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("viewer_session")]

Capture = pytest.CaptureFixture[str]


def _run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _table(lines: list[str]) -> list[list[str]]:
    """The cells of the data rows after a ``---|---`` rule (cells two spaces or ``|`` apart)."""
    rule = next(i for i, line in enumerate(lines) if re.fullmatch(r"[-|]+", line))
    rows = []
    for line in lines[rule + 1 :]:
        if not line.strip():
            break
        rows.append([cell.strip() for cell in re.split(r" {2,}|\|", line) if cell.strip()])
    return rows


def test_analytics_prints_the_statistics_and_the_build_up_per_strike(
    market: Market, analytics_server: ServerThread, capsys: Capture
) -> None:
    expiry = expiry_in(7)
    market.publish(expiry, spot=24_000.0)
    # The strikes follow the spot up by one step: every strike both chains share has its
    # option's open interest one step lower (1,000 less) and its call dearer, its put cheaper.
    market.publish(expiry, spot=24_100.0)

    code, out, err = _run(
        capsys, "analytics", market.underlying, "--target", analytics_server.target
    )

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"{market.underlying} {expiry.isoformat()} ")
    assert "spot 24100.00" in lines[0]
    assert lines[1].startswith("PCR(OI) 1.00  PCR(vol) 1.00  max pain ")  # OI and volume mirror
    assert lines[2].startswith("ATM IV 18.00%")  # priced at 18%
    assert re.search(r"RR ([+-]0\.00|-)  BF ([+-]0\.00|-)$", lines[2])  # a flat smile
    rows = {row[4]: row for row in _table(lines)}
    assert len(rows) == 12  # 23500 (only in the first chain) to 24600 (only in the second)
    for strike in range(23_600, 24_600, 100):
        call_build_up, _, call_oi_change, *_ = rows[str(strike)]
        assert (call_build_up, call_oi_change) == ("short covering", "-1,000")
        assert rows[str(strike)][-1] == "long unwinding"
        assert rows[str(strike)][6] == "-1,000"
    assert rows["24600"][1:3] == ["-", "-"]  # no baseline for a strike that was not there


def test_analytics_as_json(market: Market, analytics_server: ServerThread, capsys: Capture) -> None:
    near, far = expiry_in(3), expiry_in(10)
    market.publish(near)
    market.publish(far, sigma=0.22)

    code, out, _ = _run(
        capsys, "analytics", market.underlying, "--expiry", far.isoformat(), "--json",
        "--target", analytics_server.target,
    )  # fmt: skip

    assert code == 0
    document = json.loads(out)
    assert (document["underlying"], document["expiry"]) == (market.underlying, far.isoformat())
    assert document["smile"]["atmIv"] == pytest.approx(0.22, abs=1e-4)
    assert len(document["buildUp"]) == 11


def test_analytics_of_a_missing_chain_is_not_found_with_exit_2(
    market: Market, analytics_server: ServerThread, capsys: Capture
) -> None:
    code, out, err = _run(
        capsys, "analytics", market.underlying, "--target", analytics_server.target
    )
    assert (code, out) == (2, "")
    assert err.startswith("error: NOT_FOUND: ")


def test_surface_prints_the_iv_grid_and_the_arbitrage_checks(
    market: Market, analytics_server: ServerThread, capsys: Capture
) -> None:
    near, far = expiry_in(7), expiry_in(30)
    market.publish(near)
    market.publish(far)

    code, out, err = _run(capsys, "surface", market.underlying, "--target", analytics_server.target)

    assert (code, err) == (0, "")
    lines = out.splitlines()
    grid = _table(lines)
    header = next(line for line in lines if line.lstrip().startswith("expiry"))
    columns = [cell.strip() for cell in re.split(r" {2,}|\|", header) if cell.strip()]
    atm = columns.index("+0.000")
    assert [row[0] for row in grid] == [near.isoformat(), far.isoformat()]
    for row in grid:
        assert float(row[atm]) == pytest.approx(18.0, abs=0.2)  # a flat 18% smile
    fits = [line for line in lines if " SVI " in line]
    assert len(fits) == 2
    assert all(line.endswith("butterfly arbitrage: no") for line in fits)
    assert f"  calendar arbitrage to {far.isoformat()}: no" in lines
