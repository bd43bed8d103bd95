"""The command line: subcommands, defaults from the environment, and value converters."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from deltastream.cli import arguments, render
from deltastream.cli.__main__ import build_parser
from deltastream.cli.settings import ClientSettings


def _parse(*argv: str, settings: ClientSettings | None = None) -> argparse.Namespace:
    return build_parser(settings or ClientSettings()).parse_args(argv)


def test_chain_takes_an_underlying_and_optional_expiry_and_view(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DELTASTREAM_MARKETDATA_TARGET", raising=False)
    args = _parse("chain", "NIFTY")
    assert (args.command, args.underlying, args.expiry) == ("chain", "NIFTY", None)
    assert (args.target, args.timeout, args.json, args.mid, args.strikes) == (
        "localhost:50051",
        5.0,
        False,
        False,
        None,
    )
    args = _parse("chain", "NIFTY", "--expiry", "2026-12-01", "--mid", "--strikes", "10", "--json")
    assert (args.expiry, args.mid, args.strikes, args.json) == ("2026-12-01", True, 10, True)


def test_the_target_comes_from_the_flag_else_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DELTASTREAM_MARKETDATA_TARGET", "md.internal:6000")
    assert _parse("expiries", "NIFTY").target == "md.internal:6000"
    assert _parse("expiries", "NIFTY", "--target", "127.0.0.1:7").target == "127.0.0.1:7"


def test_watch_takes_several_underlyings_repeated_expiries_and_a_count() -> None:
    args = _parse(
        "watch", "NIFTY", "BANKNIFTY", "--expiry", "2026-12-01", "--expiry", "2026-12-08",
        "--count", "3",
    )  # fmt: skip
    assert args.underlyings == ["NIFTY", "BANKNIFTY"]
    assert args.expiry == ["2026-12-01", "2026-12-08"]
    assert args.count == 3
    assert _parse("watch", "NIFTY").expiry == []
    assert _parse("watch", "NIFTY").count is None


def test_history_defaults_to_the_last_hour() -> None:
    args = _parse("history", "NIFTY", "--expiry", "2026-12-01")
    assert args.since == dt.timedelta(hours=1)
    assert _parse("history", "NIFTY", "--since", "10m").since == dt.timedelta(minutes=10)


def test_the_time_zone_flag_takes_an_iana_name() -> None:
    assert _parse("expiries", "NIFTY", "--tz", "Asia/Kolkata").tz == ZoneInfo("Asia/Kolkata")
    assert _parse("expiries", "NIFTY").tz is None


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's local time is New York's (EST/EDT) for the test, then what it was."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _ns(utc: dt.datetime) -> int:
    return int(utc.replace(tzinfo=dt.UTC).timestamp()) * 1_000_000_000


@pytest.mark.usefixtures("new_york")
def test_the_local_zone_uses_the_offset_of_each_time_across_daylight_saving() -> None:
    zone = arguments.local_zone()  # one zone for the whole run: whichever season it is now
    assert render.timestamp_text(_ns(dt.datetime(2026, 7, 1, 16)), zone, with_zone=True) == (
        "2026-07-01 12:00:00.000 EDT"
    )
    assert render.timestamp_text(_ns(dt.datetime(2026, 1, 15, 16)), zone, with_zone=True) == (
        "2026-01-15 11:00:00.000 EST"
    )


@pytest.mark.usefixtures("new_york")
def test_the_local_zone_tells_apart_the_hour_that_repeats_when_clocks_go_back() -> None:
    zone = arguments.local_zone()
    # 2026-11-01: 01:00-02:00 happens twice in New York, first EDT (UTC-4) then EST (UTC-5)
    first, second = (
        dt.datetime(2026, 11, 1, hour, 30, tzinfo=dt.UTC).astimezone(zone) for hour in (5, 6)
    )
    assert [first.strftime("%H:%M %Z"), second.strftime("%H:%M %Z")] == ["01:30 EDT", "01:30 EST"]
    assert [first.utcoffset(), second.utcoffset()] == [
        dt.timedelta(hours=-4),
        dt.timedelta(hours=-5),
    ]
    assert second.astimezone(dt.UTC) - first.astimezone(dt.UTC) == dt.timedelta(hours=1)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["chain"],
        ["nosuchcommand", "NIFTY"],
        ["watch"],
        ["chain", "NIFTY", "--expiry", "01-12-2026"],
        ["chain", "NIFTY", "--strikes", "0"],
        ["watch", "NIFTY", "--count", "-1"],
        ["history", "NIFTY", "--since", "10"],
        ["expiries", "NIFTY", "--timeout", "0"],
        ["expiries", "NIFTY", "--tz", "Mars/Olympus"],
    ],
)
def test_a_bad_command_line_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _parse(*argv)
    assert exit_info.value.code == 2
    assert "usage: deltastream" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", dt.timedelta(seconds=90)),
        ("10m", dt.timedelta(minutes=10)),
        ("2h", dt.timedelta(hours=2)),
        ("1d", dt.timedelta(days=1)),
        ("1h30m", dt.timedelta(hours=1, minutes=30)),
        ("1.5h", dt.timedelta(minutes=90)),
        ("250ms", dt.timedelta(milliseconds=250)),
    ],
)
def test_durations(text: str, expected: dt.timedelta) -> None:
    assert arguments.duration(text) == expected


@pytest.mark.parametrize("text", ["", "10", "m", "10 m", "-5m", "0s", "10x", "1h 30m", "h1"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        arguments.duration(text)


def test_expiries_must_be_iso_dates() -> None:
    assert arguments.expiry("2026-12-01") == "2026-12-01"
    for text in ("2026-13-01", "tomorrow", "", '{"$gt": ""}'):
        with pytest.raises(argparse.ArgumentTypeError):
            arguments.expiry(text)


@pytest.mark.parametrize("text", ["0", "-3", "nan", "inf", "soon"])
def test_timeouts_must_be_positive_finite_seconds(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        arguments.positive_seconds(text)


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELTASTREAM_MARKETDATA_TARGET", "md:1234")
    monkeypatch.setenv("DELTASTREAM_MARKETDATA_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("DELTASTREAM_REDIS_URL", "redis://elsewhere:6379/0")  # another service's
    settings = ClientSettings()
    assert (settings.marketdata_target, settings.marketdata_timeout_seconds) == ("md:1234", 2.5)


def test_login_logs_in_admin_at_the_local_auth_service_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("DELTASTREAM_AUTH_TARGET", "DELTASTREAM_USER"):
        monkeypatch.delenv(name, raising=False)
    args = _parse("login")
    assert (args.command, args.user, args.auth_target, args.password_stdin) == (
        "login",
        "admin",
        "localhost:50052",
        False,
    )
    args = _parse("login", "--user", "asha", "--password-stdin", "--auth-target", "auth:1")
    assert (args.user, args.auth_target, args.password_stdin) == ("asha", "auth:1", True)


def test_the_auth_target_and_api_key_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DELTASTREAM_AUTH_TARGET", "auth.internal:7000")
    monkeypatch.setenv("DELTASTREAM_API_KEY", "dsk_id_secret")
    settings = ClientSettings()
    assert _parse("whoami", settings=settings).auth_target == "auth.internal:7000"
    assert _parse("logout", settings=settings).command == "logout"
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "dsk_id_secret"
    assert "dsk_id_secret" not in repr(settings)
