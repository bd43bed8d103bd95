"""``deltastream login``, ``whoami`` and ``logout`` against a real Auth server, and what every
command does with the session: send its token, renew it when it has expired, and say so when
there is none or it is refused."""

from __future__ import annotations

import dataclasses
import io
import os
import stat
from collections.abc import Callable

import grpc
import pytest

from deltastream.auth import Role, api_key_metadata, bearer_metadata
from deltastream.cli.__main__ import main
from deltastream.cli.session import Session, SessionStore
from deltastream.v1 import auth_pb2, auth_pb2_grpc
from tests.conftest import TokenAuthority
from tests.integration.cli.conftest import AuthServer, Market
from tests.integration.pipeline.chains import expiry_in

pytestmark = pytest.mark.integration

Capture = pytest.CaptureFixture[str]
Run = Callable[..., tuple[int, str, str]]
NOT_LOGGED_IN = "error: not logged in (run: deltastream login)\n"


@pytest.fixture
def run(capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run the client with ``stdin`` as its standard input; (exit code, stdout, stderr)."""

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def logged_in(run: Run, auth: AuthServer, session_store: SessionStore) -> Session:
    """Logged in as the Auth server's admin, through the command line."""
    code, _, err = run(
        "login", "--user", auth.admin, "--password-stdin", "--auth-target", auth.target,
        stdin=auth.password + "\n",
    )  # fmt: skip
    assert (code, err) == (0, "")
    session = session_store.load()
    assert session is not None
    return session


def _auth_call(auth: AuthServer, method: str, request: object, metadata: object = ()) -> object:
    with grpc.insecure_channel(auth.target) as channel:
        stub = auth_pb2_grpc.AuthStub(channel)  # type: ignore[no-untyped-call]
        return getattr(stub, method)(request, metadata=metadata, timeout=10)


def _refused_code(auth: AuthServer, refresh_token: str) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as failure:
        _auth_call(auth, "Refresh", auth_pb2.RefreshRequest(refresh_token=refresh_token))
    code: grpc.StatusCode = failure.value.code()
    return code


def test_login_stores_a_private_session_that_every_command_uses(
    run: Run,
    auth: AuthServer,
    market: Market,
    marketdata_target: str,
    session_store: SessionStore,
) -> None:
    expiry = expiry_in(7)
    market.publish(expiry)
    code, out, _ = run(
        "login", "--user", auth.admin, "--password-stdin", "--auth-target", auth.target,
        stdin=auth.password + "\n",
    )  # fmt: skip
    assert code == 0
    assert out == f"logged in to {auth.target} as {auth.admin} (admin)\n"
    assert stat.S_IMODE(os.stat(session_store.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(session_store.directory).st_mode) == 0o700
    session = session_store.load()
    assert session is not None
    assert (session.username, session.auth_target, session.roles) == (
        auth.admin,
        auth.target,
        ("admin",),
    )

    code, out, _ = run("expiries", market.underlying, "--target", marketdata_target)
    assert (code, out) == (0, f"{expiry.isoformat()}\n")
    code, out, _ = run("whoami")
    assert (code, out) == (0, f"{auth.admin} (admin) with an access token\n")


def test_the_password_is_prompted_for_by_default(
    run: Run, auth: AuthServer, session_store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return auth.password

    monkeypatch.setattr("getpass.getpass", getpass)
    monkeypatch.setenv("DELTASTREAM_AUTH_TARGET", auth.target)
    code, _, _ = run("login", "--user", auth.admin)
    assert code == 0
    assert prompts == [f"password of {auth.admin}: "]
    assert session_store.load() is not None


def test_a_wrong_password_stores_nothing(
    run: Run, auth: AuthServer, session_store: SessionStore
) -> None:
    code, out, err = run(
        "login", "--user", auth.admin, "--password-stdin", "--auth-target", auth.target,
        stdin="not the password\n",
    )  # fmt: skip
    assert (code, out, err) == (1, "", "error: wrong user name or password\n")
    assert session_store.load() is None


def test_without_a_session_a_command_says_to_log_in(
    run: Run, marketdata_target: str, session_store: SessionStore
) -> None:
    assert run("chain", "NIFTY", "--target", marketdata_target) == (1, "", NOT_LOGGED_IN)
    assert run("whoami") == (1, "", NOT_LOGGED_IN)
    assert session_store.load() is None


def test_an_expired_access_token_is_renewed_and_the_new_pair_stored(
    run: Run,
    auth: AuthServer,
    logged_in: Session,
    market: Market,
    marketdata_target: str,
    session_store: SessionStore,
) -> None:
    expiry = expiry_in(7)
    market.publish(expiry)
    session_store.save(dataclasses.replace(logged_in, access_token_expires_at=0.0))

    code, out, _ = run("expiries", market.underlying, "--target", marketdata_target)

    assert (code, out) == (0, f"{expiry.isoformat()}\n")
    renewed = session_store.load()
    assert renewed is not None
    assert renewed.refresh_token != logged_in.refresh_token
    assert renewed.access_token != logged_in.access_token
    assert renewed.access_token_expires_at > logged_in.access_token_expires_at - 60
    code, out, _ = run("whoami")  # the renewed token is current: no second refresh
    assert code == 0
    assert session_store.load() == renewed

    # the old refresh token was spent: presenting it again is a reuse, which ends the session
    assert _refused_code(auth, logged_in.refresh_token) == grpc.StatusCode.UNAUTHENTICATED
    assert run("whoami") == (1, "", NOT_LOGGED_IN)


def test_a_session_revoked_elsewhere_ends_at_its_next_refresh(
    run: Run,
    auth: AuthServer,
    logged_in: Session,
    marketdata_target: str,
    session_store: SessionStore,
) -> None:
    _auth_call(auth, "Logout", auth_pb2.LogoutRequest(refresh_token=logged_in.refresh_token))
    session_store.save(dataclasses.replace(logged_in, access_token_expires_at=0.0))

    assert run("expiries", "NIFTY", "--target", marketdata_target) == (1, "", NOT_LOGGED_IN)
    assert session_store.load() is None


def test_logout_revokes_the_session_and_forgets_it(
    run: Run,
    auth: AuthServer,
    logged_in: Session,
    marketdata_target: str,
    session_store: SessionStore,
) -> None:
    code, out, _ = run("logout")

    assert (code, out) == (0, f"logged out of {auth.target}\n")
    assert session_store.load() is None
    assert _refused_code(auth, logged_in.refresh_token) == grpc.StatusCode.UNAUTHENTICATED
    # its access token, still within its lifetime, is refused too
    session_store.save(logged_in)
    assert run("expiries", "NIFTY", "--target", marketdata_target) == (1, "", NOT_LOGGED_IN)
    session_store.delete()
    assert run("logout") == (0, "", "not logged in\n")


def test_a_role_too_low_is_named(
    run: Run,
    marketdata_target: str,
    session_store: SessionStore,
    viewer_session: Session,
    token_authority: TokenAuthority,
) -> None:
    roleless = token_authority.token(subject="nobody-in-particular")
    session_store.save(dataclasses.replace(viewer_session, access_token=roleless))
    code, out, err = run("chain", "NIFTY", "--target", marketdata_target)
    assert (code, out) == (1, "")
    assert err == "error: permission denied: nobody-in-particular lacks the viewer role\n"


def test_a_refused_token_says_to_log_in_again(
    run: Run,
    marketdata_target: str,
    session_store: SessionStore,
    viewer_session: Session,
    token_authority: TokenAuthority,
) -> None:
    forged = token_authority.forged(Role.VIEWER)
    session_store.save(dataclasses.replace(viewer_session, access_token=forged))
    assert run("chain", "NIFTY", "--target", marketdata_target) == (1, "", NOT_LOGGED_IN)


def test_an_api_key_from_the_environment_is_sent_instead_of_the_session(
    run: Run,
    auth: AuthServer,
    logged_in: Session,
    market: Market,
    marketdata_target: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expiry = expiry_in(7)
    market.publish(expiry)
    admin = bearer_metadata(logged_in.access_token)
    request = auth_pb2.CreateApiKeyRequest(name="desk-feed", roles=[auth_pb2.ROLE_VIEWER])
    created = _auth_call(auth, "CreateApiKey", request, admin)
    key: str = created.key  # type: ignore[attr-defined]
    assert _auth_call(auth, "WhoAmI", auth_pb2.WhoAmIRequest(), api_key_metadata(key))

    monkeypatch.setenv("DELTASTREAM_API_KEY", key)
    code, out, _ = run("expiries", market.underlying, "--target", marketdata_target)
    assert (code, out) == (0, f"{expiry.isoformat()}\n")
    code, out, _ = run("whoami", "--auth-target", auth.target, "--json")
    assert code == 0
    assert out == '{"subject": "desk-feed", "roles": ["viewer"], "credential": "api key"}\n'

    monkeypatch.setenv("DELTASTREAM_API_KEY", key[:-4] + "AAAA")
    code, out, err = run("expiries", market.underlying, "--target", marketdata_target)
    assert (code, out) == (1, "")
    assert err == "error: the API key in DELTASTREAM_API_KEY was refused\n"
