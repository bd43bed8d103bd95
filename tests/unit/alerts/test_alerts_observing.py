"""What each rule kind reads from an enriched chain update, and what it ignores."""

from __future__ import annotations

import math

import pytest

from deltastream.alerts.observing import ChainView, Scope, observe
from deltastream.alerts.rules import RuleKind
from deltastream.v1 import market_pb2 as pb

CALL, PUT = pb.OPTION_TYPE_CALL, pb.OPTION_TYPE_PUT


def _quote(strike: float, option_type: int, **values: float) -> pb.EnrichedQuote:
    return pb.EnrichedQuote(
        quote=pb.OptionQuote(
            strike=strike,
            option_type=option_type,  # type: ignore[arg-type]
            last=values.get("last", 0.0),
            open_interest=int(values.get("oi", 0)),
        ),
        mid=values.get("mid", math.nan),
        iv=values.get("iv", math.nan),
        iv_status=pb.IV_STATUS_OK if "iv" in values else pb.IV_STATUS_NO_QUOTE,
        open_interest_change=int(values.get("oi_change", 0)),
    )


def _chain() -> pb.ChainSnapshot:
    chain = pb.ChainSnapshot(
        underlying="NIFTY",
        expiry="2030-01-31",
        spot=24_010.0,
        version=7,
        analytics=pb.ChainAnalytics(pcr_open_interest=1.3, max_pain=24_000.0, atm_iv=0.17),
    )
    chain.rows.add(
        strike=24_000.0,
        call=_quote(24_000, CALL, mid=120.5, iv=0.18, oi=1_100, oi_change=100),
        put=_quote(24_000, PUT, last=95.0, oi=900, oi_change=-100),
    )
    chain.rows.add(strike=24_100.0, call=_quote(24_100, CALL, mid=80.0, oi=1_000, oi_change=0))
    return chain


def _scope(kind: RuleKind, **fields: object) -> Scope:
    return Scope(kind=kind, underlying="NIFTY", **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (_scope(RuleKind.PRICE), 24_010.0),
        (_scope(RuleKind.PRICE, expiry="2030-01-31", strike=24_000.0, option_type=CALL), 120.5),
        (_scope(RuleKind.PRICE, expiry="2030-01-31", strike=24_000.0, option_type=PUT), 95.0),
        (_scope(RuleKind.PCR, expiry="2030-01-31"), 1.3),
        (_scope(RuleKind.ATM_IV, expiry="2030-01-31"), 0.17),
        (_scope(RuleKind.IV, expiry="2030-01-31", strike=24_000.0, option_type=CALL), 0.18),
        (_scope(RuleKind.IV_CHANGE, expiry="2030-01-31", window_seconds=60), 0.17),
        (_scope(RuleKind.MAX_PAIN_MOVE, expiry="2030-01-31"), 24_000.0),
        # 3,000 contracts now, 3,000 at the previous close: 0 %
        (_scope(RuleKind.OI_CHANGE, expiry="2030-01-31"), 0.0),
        # one option: 1,100 now, 1,000 at the previous close
        (
            _scope(RuleKind.OI_CHANGE, expiry="2030-01-31", strike=24_000.0, option_type=CALL),
            10.0,
        ),
        (_scope(RuleKind.OI_CHANGE, expiry="2030-01-31", window_seconds=60), 3_000.0),
    ],
)
def test_each_kind_reads_its_value(scope: Scope, expected: float) -> None:
    assert observe(scope, ChainView(_chain())) == pytest.approx(expected)


@pytest.mark.parametrize(
    "scope",
    [
        Scope(kind=RuleKind.PRICE, underlying="BANKNIFTY"),
        _scope(RuleKind.PCR, expiry="2030-02-28"),
        _scope(RuleKind.IV, expiry="2030-01-31", strike=24_100.0, option_type=PUT),  # not listed
        _scope(RuleKind.IV, expiry="2030-01-31", strike=24_100.0, option_type=CALL),  # no IV
    ],
)
def test_other_chains_and_missing_values_are_no_observation(scope: Scope) -> None:
    assert observe(scope, ChainView(_chain())) is None


def test_a_nan_analytic_is_no_observation() -> None:
    chain = _chain()
    chain.analytics.atm_iv = math.nan
    assert observe(_scope(RuleKind.ATM_IV, expiry="2030-01-31"), ChainView(chain)) is None
