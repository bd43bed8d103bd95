"""``/api/v1/ws``: the WebSocket feed of live chains and alert events (see
``deltastream.gateway.live.protocol`` for its messages)."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from deltastream.auth import Admission
from deltastream.auth.rest import STATE_ATTRIBUTE as ADMISSION_ATTRIBUTE
from deltastream.gateway import metrics
from deltastream.gateway.dependencies import UPSTREAMS_ATTRIBUTE
from deltastream.gateway.live.session import LiveSession
from deltastream.gateway.settings import GatewaySettings
from deltastream.gateway.upstreams import Upstreams

SESSIONS_ATTRIBUTE = "live_sessions"
SETTINGS_ATTRIBUTE = "settings"

router = APIRouter(prefix="/api/v1")


@router.websocket("/ws")
async def live(websocket: WebSocket) -> None:
    state = websocket.app.state
    admission: Admission = getattr(state, ADMISSION_ATTRIBUTE)
    upstreams: Upstreams = getattr(state, UPSTREAMS_ATTRIBUTE)
    settings: GatewaySettings = getattr(state, SETTINGS_ATTRIBUTE)
    sessions: set[LiveSession] = getattr(state, SESSIONS_ATTRIBUTE)
    session = LiveSession(websocket, admission, upstreams, settings)
    sessions.add(session)
    metrics.WEBSOCKETS.inc()
    try:
        await session.run()
    finally:
        sessions.discard(session)
        metrics.WEBSOCKETS.dec()
