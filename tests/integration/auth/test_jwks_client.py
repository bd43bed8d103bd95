"""The key-set client that every service verifies tokens with, against a real Auth server."""

from __future__ import annotations

import asyncio

import pytest

from deltastream.auth.keys import load_signing_key
from deltastream.auth.settings import AuthSettings
from deltastream.auth.verifier import JwksClient
from deltastream.grpcutil import RunningServer


@pytest.mark.asyncio
async def test_callers_arriving_during_the_first_fetch_wait_for_its_keys(
    auth_server: RunningServer, settings: AuthSettings
) -> None:
    assert settings.auth_private_key is not None
    key_id = load_signing_key(settings.auth_private_key).key_id
    client = JwksClient(f"127.0.0.1:{auth_server.port}")
    try:
        keys = await asyncio.gather(*(client.key(key_id) for _ in range(20)))
    finally:
        await client.close()
    assert {key.key_id for key in keys if key is not None} == {key_id}
    assert all(key is not None for key in keys)
