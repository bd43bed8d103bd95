"""The client's session store: where it lives, who may read it, what a refresh replaces, and
which credential a command sends without asking any server."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from deltastream.cli.credentials import Credentials
from deltastream.cli.session import (
    EXPIRY_MARGIN_SECONDS,
    NotLoggedInError,
    Session,
    SessionStore,
    TokenPair,
    session_directory,
)

NOW = 1_800_000_000.0
UNREACHABLE = "127.0.0.1:9"  # nothing may be asked of it in these tests


def _pair(suffix: str = "1", roles: tuple[str, ...] = ("trader",)) -> TokenPair:
    return TokenPair(f"access-{suffix}", 300.0, f"refresh-{suffix}", 43_200.0, roles)


def _session() -> Session:
    return _pair().session(UNREACHABLE, "asha", NOW)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_directory_follows_xdg_config_home(tmp_path: Path) -> None:
    home = Path.home()
    assert session_directory({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "deltastream"
    assert session_directory({}) == home / ".config" / "deltastream"
    # a relative XDG_CONFIG_HOME is invalid, and ignored
    assert session_directory({"XDG_CONFIG_HOME": "conf"}) == home / ".config" / "deltastream"


def test_a_saved_session_is_read_back_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "config" / "deltastream")
    previous = os.umask(0)  # the most permissive umask: the modes must not depend on it
    try:
        store.save(_session())
    finally:
        os.umask(previous)
    assert store.load() == _session()
    assert _mode(store.path) == 0o600
    assert _mode(store.directory) == 0o700
    assert [p.name for p in store.directory.iterdir()] == ["session.json"]  # no leftovers


def test_an_existing_open_directory_is_closed(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "deltastream")
    store.directory.mkdir(mode=0o755)
    os.chmod(store.directory, 0o755)  # noqa: S103 - the loose mode under test
    store.save(_session())
    assert _mode(store.directory) == 0o700


def test_a_save_replaces_the_file_rather_than_rewriting_it(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    store.save(_session())
    before = os.stat(store.path).st_ino
    store.save(_session().renewed(_pair("2"), NOW + 400))
    assert os.stat(store.path).st_ino != before
    assert _mode(store.path) == 0o600


def test_a_missing_or_damaged_file_is_no_session(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    assert store.load() is None
    for damaged in ("", "{", "[]", '{"username": "asha"}', '{"roles": 3}'):
        store.path.write_text(damaged)
        assert store.load() is None, damaged


def test_delete_says_whether_there_was_a_session(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    store.save(_session())
    assert store.delete() is True
    assert store.delete() is False
    assert store.load() is None


def test_a_refresh_replaces_both_tokens_and_their_expiry() -> None:
    session = _session()
    renewed = session.renewed(_pair("2", roles=("viewer",)), NOW + 400)
    assert (renewed.access_token, renewed.refresh_token) == ("access-2", "refresh-2")
    assert renewed.access_token_expires_at == NOW + 400 + 300
    assert renewed.refresh_token_expires_at == NOW + 400 + 43_200
    assert renewed.roles == ("viewer",)  # roles are read again at each refresh
    assert (renewed.username, renewed.auth_target) == (session.username, session.auth_target)
    assert session.renewed(_pair("3", roles=()), NOW).roles == session.roles


def test_an_access_token_counts_as_expired_a_little_early() -> None:
    session = _session()
    expires = session.access_token_expires_at
    assert not session.access_expired(expires - EXPIRY_MARGIN_SECONDS - 1)
    assert session.access_expired(expires - EXPIRY_MARGIN_SECONDS)
    assert not session.refresh_expired(expires)
    assert session.refresh_expired(session.refresh_token_expires_at)


def test_tokens_stay_out_of_the_repr() -> None:
    text = repr(_session()) + repr(_pair())
    assert "access-1" not in text
    assert "refresh-1" not in text


def test_an_api_key_is_sent_instead_of_the_session(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    store.save(_session())
    credentials = Credentials(store, "dsk_key_secret", clock=lambda: NOW)
    assert credentials.metadata() == (("x-api-key", "dsk_key_secret"),)
    assert credentials.uses_api_key


def test_a_current_access_token_is_sent_as_it_is(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    store.save(_session())
    credentials = Credentials(store, None, clock=lambda: NOW + 10)
    assert credentials.metadata() == (("authorization", "Bearer access-1"),)
    assert not credentials.uses_api_key


def test_without_a_session_there_is_no_credential(tmp_path: Path) -> None:
    with pytest.raises(NotLoggedInError):
        Credentials(SessionStore(tmp_path), None).metadata()


def test_a_session_past_its_refresh_expiry_is_forgotten(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    store.save(_session())
    later = _session().refresh_token_expires_at + 1
    with pytest.raises(NotLoggedInError):
        Credentials(store, None, clock=lambda: later).metadata()
    assert store.load() is None
