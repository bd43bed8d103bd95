"""What a client sends: the gRPC metadata that carries a credential.

``stub.GetChain(request, metadata=bearer_metadata(access_token))``, or
``metadata=api_key_metadata(key)`` for a service account.
"""

from __future__ import annotations

from deltastream.auth.verifier import API_KEY, AUTHORIZATION

Metadata = tuple[tuple[str, str], ...]


def bearer_metadata(access_token: str) -> Metadata:
    return ((AUTHORIZATION, f"Bearer {access_token}"),)


def api_key_metadata(key: str) -> Metadata:
    return ((API_KEY, key),)
