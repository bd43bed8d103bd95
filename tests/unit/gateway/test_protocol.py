"""The WebSocket feed's client messages: what parses, and the error that names the field of
what does not; the two resume positions (alerts, chains) are stream positions."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.gateway.live import protocol


def test_a_subscribe_message_parses_with_its_defaults() -> None:
    message = protocol.parse(json.dumps({"type": "subscribe", "underlyings": ["NIFTY"]}))
    assert isinstance(message, protocol.Subscribe)
    assert (message.underlyings, message.expiries, message.resume_from) == (["NIFTY"], [], None)
    assert message.chains_resume_from is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"type": "subscribe", "underlyings": [{"$gt": ""}]}', "underlyings.0"),
        ('{"type": "subscribe", "underlyings": ["X"], "resume_from": "0-0; drop"}', "resume_from"),
        (
            '{"type": "subscribe", "underlyings": ["X"], "chains_resume_from": "$gt"}',
            "chains_resume_from",
        ),
        (
            '{"type": "subscribe", "underlyings": ["X"], "chains_resume_from": {"$gt": ""}}',
            "chains_resume_from",
        ),
        (
            '{"type": "subscribe", "underlyings": ["X"], "chains_resume_from": 17}',
            "chains_resume_from",
        ),
        (
            '{"type": "unsubscribe", "underlyings": ["X"], "chains_resume_from": "1-0"}',
            "chains_resume_from",
        ),
        ('{"type": "auth", "token": "t", "extra": 1}', "extra"),
        ('{"type": "launch"}', None),
        ("not json", None),
    ],
)
def test_a_bad_message_becomes_an_error_naming_its_field(text: str, field: str | None) -> None:
    message = protocol.parse(text)
    assert isinstance(message, protocol.ErrorMessage)
    assert (message.code, message.field) == ("INVALID_ARGUMENT", field)


def test_too_many_names_in_one_message_are_refused() -> None:
    names = [f"U{number}" for number in range(protocol.MAX_NAMES + 1)]
    message = protocol.parse(json.dumps({"type": "unsubscribe", "underlyings": names}))
    assert isinstance(message, protocol.ErrorMessage) and message.field == "underlyings"


def test_both_positions_travel_in_one_subscribe_each_in_its_own_field() -> None:
    text = json.dumps(
        {
            "type": "subscribe",
            "underlyings": ["NIFTY"],
            "resume_from": "1764063001123-0",
            "chains_resume_from": "1764063002456-3",
        }
    )
    message = protocol.parse(text)
    assert isinstance(message, protocol.Subscribe)
    assert (message.resume_from, message.chains_resume_from) == (
        "1764063001123-0",
        "1764063002456-3",
    )


DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=20)


@settings(max_examples=50)
@given(milliseconds=DIGITS, sequence=DIGITS)
def test_every_stream_position_is_a_chain_position(milliseconds: str, sequence: str) -> None:
    position = f"{milliseconds}-{sequence}"
    message = protocol.parse(
        json.dumps({"type": "subscribe", "underlyings": ["X"], "chains_resume_from": position})
    )
    assert isinstance(message, protocol.Subscribe) and message.chains_resume_from == position


@settings(max_examples=100)
@given(text=st.text(max_size=50))
def test_a_chain_position_not_of_the_stream_form_is_refused(text: str) -> None:
    milliseconds, dash, sequence = text.partition("-")
    is_position = bool(dash) and all(
        0 < len(part) <= 20 and all(c in "0123456789" for c in part)
        for part in (milliseconds, sequence)
    )
    message = protocol.parse(
        json.dumps({"type": "subscribe", "underlyings": ["X"], "chains_resume_from": text})
    )
    if is_position:
        assert isinstance(message, protocol.Subscribe)
    else:
        assert isinstance(message, protocol.ErrorMessage)
        assert (message.code, message.field) == ("INVALID_ARGUMENT", "chains_resume_from")
