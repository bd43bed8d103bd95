"""The Auth service and the token checks every API uses.

A service checks every call with one interceptor::

    from deltastream import auth

    ROLES = auth.method_roles(market_data_pb2.DESCRIPTOR.services_by_name["MarketData"], {
        "GetChain": auth.Role.VIEWER, ...})
    interceptor = auth.auth_interceptor(settings, redis_client, ROLES, scope="marketdata")
    server = grpc.aio.server(interceptors=grpcutil.server_interceptors(interceptor))
    ...
    await interceptor.close()

and a handler reads its caller with ``auth.current_principal()``. A REST route depends on
``auth.require(auth.Role.VIEWER)`` (see ``deltastream.auth.rest``). A client sends
``metadata=auth.bearer_metadata(access_token)`` or ``auth.api_key_metadata(key)``.
The service itself runs as ``python -m deltastream.auth`` (``deltastream.auth.server``).
"""

from deltastream.auth.admission import Admission
from deltastream.auth.client import api_key_metadata, bearer_metadata
from deltastream.auth.guard import admission_for, auth_interceptor, verifier
from deltastream.auth.interceptor import (
    AuthInterceptor,
    MethodRoles,
    current_principal,
    method_roles,
)
from deltastream.auth.keys import generate_development_key
from deltastream.auth.rest import require
from deltastream.auth.roles import CredentialKind, Principal, Role
from deltastream.auth.settings import AuthSettings, TokenCheckSettings
from deltastream.auth.verifier import Credential, Verifier, credential_from_headers

__all__ = [
    "Admission",
    "AuthInterceptor",
    "AuthSettings",
    "Credential",
    "CredentialKind",
    "MethodRoles",
    "Principal",
    "Role",
    "TokenCheckSettings",
    "Verifier",
    "admission_for",
    "api_key_metadata",
    "auth_interceptor",
    "bearer_metadata",
    "credential_from_headers",
    "current_principal",
    "generate_development_key",
    "method_roles",
    "require",
    "verifier",
]
