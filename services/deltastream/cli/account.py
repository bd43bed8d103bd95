"""The session subcommands: ``login`` (stores a token pair), ``logout`` (revokes and deletes
it) and ``whoami`` (asks Auth whose credential this is). Each returns an action for
``commands.run``, which reports failures."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import grpc

from deltastream.cli.auth_client import connect_auth, role_label
from deltastream.cli.client import Connection
from deltastream.cli.commands import Action, Output
from deltastream.cli.credentials import Credentials
from deltastream.cli.session import SessionStore
from deltastream.errors import DeltaStreamError
from deltastream.v1 import auth_pb2


class LoginRefusedError(DeltaStreamError):
    """The Auth service refused the user name and password."""

    def __init__(self) -> None:
        super().__init__("wrong user name or password")


def login(
    output: Output,
    store: SessionStore,
    connection: Connection,
    username: str,
    password: Callable[[], str],
) -> Action:
    """Log in at ``connection.target`` and store the session (replacing any other)."""

    def action() -> None:
        secret = password()
        with connect_auth(connection) as client:
            try:
                tokens = client.login(username, secret)
            except grpc.RpcError as exc:
                if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                    raise LoginRefusedError() from None
                raise
        store.save(tokens.session(connection.target, username, time.time()))
        roles = ", ".join(tokens.roles) or "no role"
        print(f"logged in to {connection.target} as {username} ({roles})", file=output.out)

    return action


def logout(output: Output, store: SessionStore, timeout_seconds: float) -> Action:
    """Revoke the stored session at the Auth service it came from, and delete it."""

    def action() -> None:
        session = store.load()
        if session is None:
            print("not logged in", file=output.err)
            return
        try:
            with connect_auth(Connection(session.auth_target, timeout_seconds)) as client:
                client.logout(session.refresh_token)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.UNAUTHENTICATED:  # else: it had ended already
                raise
        finally:
            store.delete()  # even when Auth is unreachable: its tokens then expire on their own
        print(f"logged out of {session.auth_target}", file=output.out)

    return action


def whoami(output: Output, credentials: Credentials, auth: Connection) -> Action:
    """Ask Auth whose credential this is: the session's Auth service, or ``auth`` for an API
    key."""

    def action() -> None:
        metadata = credentials.metadata()
        target = auth.target if credentials.uses_api_key else credentials.session().auth_target
        with connect_auth(Connection(target, auth.timeout_seconds)) as client:
            reply = client.whoami(metadata)
        roles = [role_label(role) for role in reply.roles]
        kind = auth_pb2.CredentialKind.Name(reply.credential)
        kind = kind.removeprefix("CREDENTIAL_KIND_").lower().replace("_", " ")
        if output.as_json:
            document = {"subject": reply.subject, "roles": roles, "credential": kind}
            print(json.dumps(document), file=output.out)
        else:
            print(f"{reply.subject} ({', '.join(roles)}) with an {kind}", file=output.out)

    return action
