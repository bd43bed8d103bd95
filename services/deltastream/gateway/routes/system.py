"""``/healthz`` (the process serves) and ``/metrics`` (Prometheus), outside the API prefix and
without credentials: probes and scrapers reach them from inside the cluster."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str


@router.get("/healthz", summary="Liveness and readiness")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}},
    summary="Prometheus metrics",
)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
