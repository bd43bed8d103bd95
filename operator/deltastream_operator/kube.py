"""The few Kubernetes API calls the operator makes besides Kopf's own, as plain JSON.

Built on the official asynchronous client (``kubernetes.aio``), which logs in the same way as
``kubectl`` (in-cluster service account with token refresh, or a kubeconfig with exec plugins).
Responses are read as raw JSON rather than as the client's models: the operator needs two or
three fields, and raw JSON keeps it indifferent to fields a server version adds or omits.
Every write is a JSON merge patch. A 404 becomes ``TargetNotFoundError``; any other failure,
``KubernetesApiError``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Mapping
from typing import Any, Protocol

import aiohttp
from kubernetes.aio import client, config

from deltastream_operator.errors import KubernetesApiError, TargetNotFoundError

GROUP = "deltastream.io"
VERSION = "v1alpha1"
PLURAL = "markethoursscalers"
MERGE_PATCH = "application/merge-patch+json"
PEERING_GROUP, PEERING_VERSION = "kopf.dev", "v1"
_NOT_FOUND = 404
_CONFLICT = 409
_REQUEST_TIMEOUT = 30.0


class _RawResponse(Protocol):
    status: int
    reason: str | None

    def read(self) -> Awaitable[bytes]: ...


async def load_configuration() -> client.Configuration:
    """Credentials of the pod's service account, or else of ``$KUBECONFIG`` (read now)."""
    configuration = client.Configuration()
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    else:
        await config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=os.environ.get("KUBECONFIG") or None,
            client_configuration=configuration,
        )
    return configuration


class KubeApi:
    """HPAs, scale subresources and MarketHoursScaler status, over one API connection."""

    def __init__(self, api_client: client.ApiClient) -> None:
        self._client = api_client
        self._apps = client.AppsV1Api(api_client)
        self._autoscaling = client.AutoscalingV2Api(api_client)
        self._custom = client.CustomObjectsApi(api_client)

    @classmethod
    async def connect(cls) -> KubeApi:
        return cls(client.ApiClient(await load_configuration()))

    async def close(self) -> None:
        await self._client.close()  # type: ignore[no-untyped-call]

    async def read_hpa(self, namespace: str, name: str) -> dict[str, Any]:
        call = self._autoscaling.read_namespaced_horizontal_pod_autoscaler_without_preload_content(
            name, namespace, _request_timeout=_REQUEST_TIMEOUT
        )
        return await _json(call, ("HorizontalPodAutoscaler", namespace, name), "read HPA")

    async def patch_hpa(
        self, namespace: str, name: str, patch: Mapping[str, Any]
    ) -> dict[str, Any]:
        call = self._autoscaling.patch_namespaced_horizontal_pod_autoscaler_without_preload_content(
            name,
            namespace,
            dict(patch),
            _content_type=MERGE_PATCH,
            _request_timeout=_REQUEST_TIMEOUT,
        )
        return await _json(call, ("HorizontalPodAutoscaler", namespace, name), "patch HPA")

    async def read_scale(self, kind: str, namespace: str, name: str) -> dict[str, Any]:
        if kind == "StatefulSet":
            call = self._apps.read_namespaced_stateful_set_scale_without_preload_content(
                name, namespace, _request_timeout=_REQUEST_TIMEOUT
            )
        else:
            call = self._apps.read_namespaced_deployment_scale_without_preload_content(
                name, namespace, _request_timeout=_REQUEST_TIMEOUT
            )
        return await _json(call, (kind, namespace, name), f"read {kind} scale")

    async def patch_scale(
        self, kind: str, namespace: str, name: str, patch: Mapping[str, Any]
    ) -> dict[str, Any]:
        body = dict(patch)
        if kind == "StatefulSet":
            call = self._apps.patch_namespaced_stateful_set_scale_without_preload_content(
                name, namespace, body, _content_type=MERGE_PATCH, _request_timeout=_REQUEST_TIMEOUT
            )
        else:
            call = self._apps.patch_namespaced_deployment_scale_without_preload_content(
                name, namespace, body, _content_type=MERGE_PATCH, _request_timeout=_REQUEST_TIMEOUT
            )
        return await _json(call, (kind, namespace, name), f"patch {kind} scale")

    async def patch_scaler_status(
        self, namespace: str, name: str, status: Mapping[str, Any]
    ) -> dict[str, Any]:
        call = self._custom.patch_namespaced_custom_object_status_without_preload_content(
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            name,
            {"status": dict(status)},
            _content_type=MERGE_PATCH,
            _request_timeout=_REQUEST_TIMEOUT,
        )
        return await _json(call, ("MarketHoursScaler", namespace, name), "patch status")

    async def ensure_peering(self, name: str, namespace: str | None) -> bool:
        """Create the Kopf peering object unless it exists; True if this call created it.

        Without it, an operator with mandatory peering waits for it forever, silently.
        """
        if namespace is None:
            body = _peering("ClusterKopfPeering", name)
            call = self._custom.create_cluster_custom_object_without_preload_content(
                PEERING_GROUP,
                PEERING_VERSION,
                "clusterkopfpeerings",
                body,
                _request_timeout=_REQUEST_TIMEOUT,
            )
        else:
            body = _peering("KopfPeering", name)
            call = self._custom.create_namespaced_custom_object_without_preload_content(
                PEERING_GROUP,
                PEERING_VERSION,
                namespace,
                "kopfpeerings",
                body,
                _request_timeout=_REQUEST_TIMEOUT,
            )
        try:
            await _json(call, (str(body["kind"]), namespace or "", name), "create peering")
        except KubernetesApiError as exc:
            if exc.status == _CONFLICT:
                return False
            raise
        return True


def _peering(kind: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": f"{PEERING_GROUP}/{PEERING_VERSION}",
        "kind": kind,
        "metadata": {"name": name},
    }


async def _json(
    call: Awaitable[_RawResponse], target: tuple[str, str, str], operation: str
) -> dict[str, Any]:
    try:
        response = await call
        payload = await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise KubernetesApiError(operation, 0, str(exc) or type(exc).__name__) from exc
    if response.status == _NOT_FOUND:
        raise TargetNotFoundError(*target)
    if not 200 <= response.status < 300:
        raise KubernetesApiError(operation, response.status, _reason(payload, response.reason))
    document: dict[str, Any] = json.loads(payload)
    return document


def _reason(payload: bytes, fallback: str | None) -> str:
    """The API server's own message from a Status body, when there is one."""
    try:
        status = json.loads(payload)
    except ValueError:
        return fallback or ""
    message = status.get("message") if isinstance(status, dict) else None
    return str(message or fallback or "")
