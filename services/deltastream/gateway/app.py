"""The gateway's FastAPI application: REST routes, the WebSocket feed, the live page.

``create_app(settings)`` builds a new application; what it connects to (the gRPC channels, the
token checks and their Redis client) is opened by its lifespan and kept in ``app.state``, so
nothing is created at import time and a test can run several applications side by side.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import redis.asyncio
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from deltastream.auth import Admission, admission_for
from deltastream.auth.rest import STATE_ATTRIBUTE as ADMISSION_ATTRIBUTE
from deltastream.auth.verifier import JwksClient
from deltastream.errors import UnavailableError
from deltastream.gateway.dependencies import UPSTREAMS_ATTRIBUTE
from deltastream.gateway.errors import install_error_handlers
from deltastream.gateway.metrics import RequestMetrics
from deltastream.gateway.routes import api_router, live, system
from deltastream.gateway.settings import GatewaySettings
from deltastream.gateway.upstreams import Upstreams

API_PREFIX = "/api/v1"


def create_app(settings: GatewaySettings) -> FastAPI:
    app = FastAPI(
        title="DeltaStream",
        summary="Option chains with implied volatility and Greeks, chain analytics and alerts.",
        version="1.0.0",
        lifespan=_lifespan(settings),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    app.include_router(api_router())
    app.include_router(live.router)
    app.include_router(system.router)
    app.mount("/", StaticFiles(packages=[("deltastream.gateway", "static")], html=True))
    app.add_middleware(RequestMetrics)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="/healthz,/metrics")
    return app


def _lifespan(
    settings: GatewaySettings,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis_client = redis.asyncio.Redis.from_url(settings.redis_url)
        admission = admission_for(settings, redis_client, scope="gateway")
        clients = Upstreams(settings)
        await _fetch_keys(admission)
        setattr(app.state, ADMISSION_ATTRIBUTE, admission)
        setattr(app.state, UPSTREAMS_ATTRIBUTE, clients)
        setattr(app.state, live.SETTINGS_ATTRIBUTE, settings)
        setattr(app.state, live.SESSIONS_ATTRIBUTE, set())
        try:
            yield
        finally:
            await clients.close()
            if isinstance(admission.verifier.keys, JwksClient):
                await admission.verifier.keys.close()
            await redis_client.aclose()

    return lifespan


async def _fetch_keys(admission: Admission) -> None:
    """Fetch the Auth service's key set before the first request rather than during it, so
    that the first callers do not race for it. An Auth service that cannot be reached yet is
    not fatal: the key set is fetched again when a token needs it."""
    keys = admission.verifier.keys
    if isinstance(keys, JwksClient):
        with contextlib.suppress(UnavailableError):
            await keys.key("")
