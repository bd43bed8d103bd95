"""The JSON bodies: every enum value of the contracts has a label, numbers JSON cannot carry
become null, and a rule survives the trip to its protobuf message and back."""

from __future__ import annotations

import enum
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deltastream.gateway.schemas import alerts, analytics, auth, market
from deltastream.gateway.schemas.conversion import label_of, proto_value
from deltastream.v1 import alerts_pb2, analytics_pb2, auth_pb2, market_pb2

ENUMS: list[tuple[type[enum.StrEnum], Any, bool]] = [
    (market.IvStatus, market_pb2.IvStatus, True),
    (market.OptionType, market_pb2.OptionType, False),
    (analytics.BuildUp, analytics_pb2.BuildUp, True),
    (alerts.RuleKind, alerts_pb2.RuleKind, False),
    (alerts.Direction, alerts_pb2.AlertDirection, False),
    (auth.RoleLabel, auth_pb2.Role, True),
    (auth.CredentialLabel, auth_pb2.CredentialKind, True),
]


@pytest.mark.parametrize(("labels", "proto_enum", "with_zero"), ENUMS)
def test_every_value_of_a_contract_enum_has_a_label(
    labels: type[enum.StrEnum], proto_enum: Any, with_zero: bool
) -> None:
    values = [value for value in proto_enum.values() if with_zero or value != 0]
    assert len(labels) == len(values)
    for value in values:
        assert proto_value(proto_enum, label_of(labels, proto_enum, value)) == value


def test_an_unknown_enum_value_is_unspecified() -> None:
    assert label_of(market.IvStatus, market_pb2.IvStatus, 99) is market.IvStatus.UNSPECIFIED


def test_nan_and_infinities_become_null_and_missing_sides_none() -> None:
    snapshot = market_pb2.ChainSnapshot(
        underlying="NIFTY", expiry="2030-01-31", spot=24_000.0, forward=math.nan
    )
    row = snapshot.rows.add(strike=24_000.0)
    row.call.quote.bid = 10.0
    row.call.iv = math.nan
    row.call.greeks.delta = math.inf
    row.call.iv_status = market_pb2.IV_STATUS_BELOW_INTRINSIC
    chain = market.chain_snapshot(snapshot)
    assert (chain.spot, chain.forward) == (24_000.0, None)
    call = chain.rows[0].call
    assert call is not None and chain.rows[0].put is None
    assert (call.bid, call.iv, call.greeks.delta) == (10.0, None, None)
    assert call.iv_status is market.IvStatus.BELOW_INTRINSIC
    assert "NaN" not in chain.model_dump_json()


@given(
    kind=st.sampled_from(alerts.RuleKind),
    direction=st.sampled_from(alerts.Direction),
    option_type=st.none() | st.sampled_from(market.OptionType),
    strike=st.none() | st.floats(min_value=1, max_value=1e6),
    threshold=st.floats(allow_nan=False, allow_infinity=False),
    window=st.floats(min_value=0, max_value=86_400),
)
def test_a_rule_spec_survives_its_protobuf_message(
    kind: alerts.RuleKind,
    direction: alerts.Direction,
    option_type: market.OptionType | None,
    strike: float | None,
    threshold: float,
    window: float,
) -> None:
    spec = alerts.RuleSpec(
        kind=kind,
        underlying="NIFTY",
        expiry="2030-01-31",
        strike=strike,
        option_type=option_type,
        threshold=threshold,
        direction=direction,
        window_seconds=window,
        description="a rule",
    )
    assert alerts.rule_spec(alerts.rule_spec_message(spec)) == spec


def test_a_rule_spec_refuses_fields_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="extra"):
        alerts.RuleSpec.model_validate(
            {"kind": "pcr", "underlying": "X", "threshold": 1, "direction": "above", "$where": 1}
        )
