"""The REST routes, one module per resource; ``api_router`` puts them under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from deltastream.gateway.dependencies import known_query_parameters
from deltastream.gateway.routes import alerts, analytics, auth, chains


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1", dependencies=[Depends(known_query_parameters)])
    for module in (chains, analytics, alerts, auth):
        router.include_router(module.router)
    return router
