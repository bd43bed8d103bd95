"""The WebSocket feed's client messages: what parses, and the error that names the field of
what does not."""

from __future__ import annotations

import json

import pytest

from deltastream.gateway.live import protocol


def test_a_subscribe_message_parses_with_its_defaults() -> None:
    message = protocol.parse(json.dumps({"type": "subscribe", "underlyings": ["NIFTY"]}))
    assert isinstance(message, protocol.Subscribe)
    assert (message.underlyings, message.expiries, message.resume_from) == (["NIFTY"], [], None)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"type": "subscribe", "underlyings": [{"$gt": ""}]}', "underlyings.0"),
        ('{"type": "subscribe", "underlyings": ["X"], "resume_from": "0-0; drop"}', "resume_from"),
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
