"""The messages of the WebSocket feed (JSON text frames, each with a ``type``).

Client to server::

    {"type": "auth", "token": "<access token>"}            # or {"type": "auth", "api_key": ...}
    {"type": "subscribe", "underlyings": ["NIFTY"], "expiries": ["2026-11-27"],
     "resume_from": "<alert stream_id>",                  # all but underlyings optional
     "chains_resume_from": "<resume_from of the last chain message>"}
    {"type": "unsubscribe", "underlyings": ["NIFTY"], "expiries": []}
    {"type": "ping"}

Server to client: ``ready`` (authenticated), ``subscribed`` (the current subscriptions),
``chain`` (a chain's latest state), ``alert`` (an event of the caller's rules), ``error``,
``pong``. Close codes: 4401 unauthenticated or token expired, 4403 forbidden, 4408 no
authentication in time, 4429 over the request budget, 1013 the token checks cannot reach the
Auth service (try again later), 1011 a failure of the gateway.

Resuming after a reconnect: ``resume_from`` is the ``stream_id`` of the last ``alert`` event
received (the alert stream), ``chains_resume_from`` the ``resume_from`` of the last ``chain``
message received (a position in the enriched streams at or before every update not sent yet;
its ``stream_id`` may be later, as the chain waiting longest goes first). With a chain
position the feed starts with the newest version of each chain that changed after it instead
of the stored chains. Both are stream
positions, ``<milliseconds>-<sequence>``; anything else is answered with an ``error`` naming
the field.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from deltastream.gateway.schemas.alerts import AlertEvent
from deltastream.gateway.schemas.auth import RoleLabel
from deltastream.gateway.schemas.market import ChainSnapshot

SUBPROTOCOL = "deltastream.v1"
BEARER_SUBPROTOCOL_PREFIX = "bearer."
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_AUTH_TIMEOUT = 4408
CLOSE_RATE_LIMITED = 4429
CLOSE_INTERNAL = 1011
CLOSE_TRY_AGAIN = 1013
MAX_NAMES = 64
STREAM_POSITION_PATTERN = r"^[0-9]{1,20}-[0-9]{1,20}$"


class _ClientMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Auth(_ClientMessage):
    type: Literal["auth"]
    token: str | None = Field(default=None, max_length=8192)
    api_key: str | None = Field(default=None, max_length=512)


class Subscribe(_ClientMessage):
    type: Literal["subscribe"]
    underlyings: list[str] = Field(max_length=MAX_NAMES)
    expiries: list[str] = Field(default=[], max_length=MAX_NAMES)
    resume_from: str | None = Field(
        default=None,
        pattern=STREAM_POSITION_PATTERN,
        description="Alert events after this stream_id (after a reconnect).",
    )
    chains_resume_from: str | None = Field(
        default=None,
        pattern=STREAM_POSITION_PATTERN,
        description=(
            "Chain updates after this stream_id (after a reconnect): the newest version of each "
            "chain that changed since, instead of the stored chains."
        ),
    )


class Unsubscribe(_ClientMessage):
    type: Literal["unsubscribe"]
    underlyings: list[str] = Field(max_length=MAX_NAMES)
    expiries: list[str] = Field(default=[], max_length=MAX_NAMES)


class Ping(_ClientMessage):
    type: Literal["ping"]


ClientMessage = Auth | Subscribe | Unsubscribe | Ping
_CLIENT_MESSAGE: TypeAdapter[ClientMessage] = TypeAdapter(
    Annotated[ClientMessage, Field(discriminator="type")]
)


class Ready(BaseModel):
    type: Literal["ready"] = "ready"
    subject: str
    roles: list[RoleLabel]


class Subscribed(BaseModel):
    type: Literal["subscribed"] = "subscribed"
    subscriptions: list[tuple[str, str]] = Field(
        description="(underlying, expiry) pairs; an empty expiry means every expiry."
    )


class ChainMessage(BaseModel):
    type: Literal["chain"] = "chain"
    stream_id: str = Field(description="Position in the enriched stream; empty: a stored chain.")
    resume_from: str = Field(
        default="",
        description=(
            "Give this as chains_resume_from after a reconnect to miss nothing; empty while a "
            "stored chain is still to come (subscribe afresh)."
        ),
    )
    chain: ChainSnapshot


class AlertMessage(BaseModel):
    type: Literal["alert"] = "alert"
    event: AlertEvent


class ErrorMessage(BaseModel):
    type: Literal["error"] = "error"
    code: str
    message: str
    field: str | None = None


class Pong(BaseModel):
    type: Literal["pong"] = "pong"


ServerMessage = Ready | Subscribed | ChainMessage | AlertMessage | ErrorMessage | Pong


def parse(text: str) -> ClientMessage | ErrorMessage:
    """A client's message, or the error to answer it with (naming the field at fault)."""
    try:
        return _CLIENT_MESSAGE.validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = [str(part) for part in first["loc"]]
        field = ".".join(location[1:]) or None  # after the message type
        return ErrorMessage(code="INVALID_ARGUMENT", message=first["msg"], field=field)
