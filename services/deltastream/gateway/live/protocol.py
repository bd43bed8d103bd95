"""The messages of the WebSocket feed (JSON text frames, each with a ``type``).

Client to server::

    {"type": "auth", "token": "<access token>"}            # or {"type": "auth", "api_key": ...}
    {"type": "subscribe", "underlyings": ["NIFTY"], "expiries": ["2026-11-27"],
     "resume_from": "<alert stream_id>"}                  # expiries and resume_from optional
    {"type": "unsubscribe", "underlyings": ["NIFTY"], "expiries": []}
    {"type": "ping"}

Server to client: ``ready`` (authenticated), ``subscribed`` (the current subscriptions),
``chain`` (a chain's latest state), ``alert`` (an event of the caller's rules), ``error``,
``pong``. Close codes: 4401 unauthenticated or token expired, 4403 forbidden, 4408 no
authentication in time, 4429 over the request budget, 1013 the token checks cannot reach the
Auth service (try again later), 1011 a failure of the gateway.
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
        pattern=r"^[0-9]{1,20}-[0-9]{1,20}$",
        description="Alert events after this stream_id (after a reconnect).",
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
