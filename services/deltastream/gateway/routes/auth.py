"""``/api/v1/auth``: log in, refresh, log out (no credential needed: the tokens are the
credential), and who the caller is (Auth)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from deltastream.gateway.dependencies import AuthDep
from deltastream.gateway.errors import responses
from deltastream.gateway.schemas import auth
from deltastream.gateway.security import Viewer
from deltastream.v1 import auth_pb2 as pb

router = APIRouter(prefix="/auth", tags=["auth"], responses=responses())


@router.post("/login", summary="Exchange a user name and password for tokens")
async def login(credentials: auth.Login, service: AuthDep) -> auth.TokenPair:
    request = pb.LoginRequest(username=credentials.username, password=credentials.password)
    return auth.token_pair(await service.login(request))


@router.post("/refresh", summary="Exchange a refresh token for new tokens (it is spent)")
async def refresh(body: auth.RefreshToken, service: AuthDep) -> auth.TokenPair:
    return auth.token_pair(
        await service.refresh(pb.RefreshRequest(refresh_token=body.refresh_token))
    )


@router.post(
    "/logout",
    status_code=204,
    response_class=Response,
    summary="End the session of a refresh token and its access tokens",
)
async def logout(body: auth.RefreshToken, service: AuthDep) -> None:
    await service.logout(pb.LogoutRequest(refresh_token=body.refresh_token))


@router.get("/me", summary="The caller as the services see it")
async def me(caller: Viewer, service: AuthDep) -> auth.Me:
    return auth.me(await service.who_am_i(caller.metadata))
