"""The Kubernetes API emulator (kmock) on a real port, in a thread of its own, for the operator.

kmock keeps objects in memory and serves them over HTTP as an API server would, but it leaves
three things an API server does to the client: naming objects from ``generateName`` (Kopf posts
Events that way), moving ``resourceVersion`` on every write, and starting a watch after the
``resourceVersion`` of the listing it follows (Kopf relies on both to tell a fresh object from a
stale one). ``ClusterEmulator`` adds them, and answers a failed JSON-patch ``test`` with 422
``Unprocessable Entity``, as Kubernetes does.
"""

from __future__ import annotations

import asyncio
import copy
import datetime
import itertools
import threading
import uuid
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs
import jsonpatch
import kmock

T = TypeVar("T")
_VERBS = {"get", "list", "watch", "create", "patch", "update", "delete"}
RESOURCES: dict[str, dict[str, Any]] = {
    "apiextensions.k8s.io/v1/customresourcedefinitions": {
        "kind": "CustomResourceDefinition",
        "namespaced": False,
    },
    "v1/namespaces": {"kind": "Namespace", "namespaced": False},
    "v1/events": {"kind": "Event", "namespaced": True},
    "deltastream.io/v1alpha1/markethoursscalers": {
        "kind": "MarketHoursScaler",
        "singular": "markethoursscaler",
        "namespaced": True,
        "subresources": {"status"},
    },
    "apps/v1/deployments": {"kind": "Deployment", "namespaced": True, "subresources": {"scale"}},
    "autoscaling/v2/horizontalpodautoscalers": {
        "kind": "HorizontalPodAutoscaler",
        "namespaced": True,
        "subresources": {"status"},
    },
    "kopf.dev/v1/clusterkopfpeerings": {"kind": "ClusterKopfPeering", "namespaced": False},
}


@attrs.define(kw_only=True)
class ClusterEmulator(kmock.KubernetesEmulator):
    """kmock's emulator plus ``generateName``, ``resourceVersion`` and ``generation``."""

    _versions: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1000), init=False)

    async def _handle(self, request: kmock.Request) -> Any:
        if request.resource is not None and request.data is not None:
            self._stamp(request)
        try:
            return await super()._handle(request)
        except (jsonpatch.JsonPatchTestFailed, jsonpatch.JsonPatchConflict) as exc:
            raise kmock.KubernetesError(status=422, reason="Invalid", message=str(exc)) from exc

    def _stamp(self, request: kmock.Request) -> None:
        version = str(next(self._versions))
        data = request.data
        if request.action == kmock.action.CREATE and isinstance(data, dict):
            meta = data.setdefault("metadata", {})
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = meta["generateName"] + uuid.uuid4().hex[:8]
            if request.namespace:
                meta.setdefault("namespace", request.namespace)
            meta.setdefault("uid", str(uuid.uuid4()))
            meta.setdefault("generation", 1)
            meta.setdefault("creationTimestamp", _now())
            meta["resourceVersion"] = version
        elif request.action == kmock.action.UPDATE and isinstance(data, dict):
            meta = data.setdefault("metadata", {})
            meta["resourceVersion"] = version
            if "spec" in data and request.subresource is None:
                meta["generation"] = self._generation(request) + 1
        elif request.action == kmock.action.UPDATE and isinstance(data, list):
            data.append({"op": "replace", "path": "/metadata/resourceVersion", "value": version})

    async def _serve_list(self, request: kmock.Request) -> Any:
        listing: Any = await super()._serve_list(request)
        versions = [_version(item) for item in listing["items"]]
        listing["metadata"]["resourceVersion"] = str(max(versions, default=0))
        return listing

    async def _serve_watch(self, request: kmock.Request) -> Any:
        since = _version({"metadata": {"resourceVersion": request.params.get("resourceVersion")}})
        event: Any
        async for event in super()._serve_watch(request):
            # The watch replays every stored object as ADDED; the listing had those already.
            replayed = isinstance(event, dict) and event.get("type") == "ADDED"
            if replayed and _version(event.get("object") or {}) <= since:
                continue
            yield event

    def _generation(self, request: kmock.Request) -> int:
        key: Any = (request.resource, request.namespace, request.name)
        if key not in self.objects or self.objects[key].deleted:
            return 0
        return int(self.objects[key].get("metadata", {}).get("generation", 0))


def _version(obj: Mapping[str, Any]) -> int:
    value = (obj.get("metadata") or {}).get("resourceVersion")
    return int(value) if isinstance(value, str) and value.isdigit() else 0


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EmulatorThread:
    """Runs a ``ClusterEmulator`` on 127.0.0.1:<random port> in its own event loop."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kmock", daemon=True)
        self._stop: asyncio.Event | None = None
        self.url = ""
        self.emulator: ClusterEmulator | None = None

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the emulator did not start")

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        """Run a coroutine in the emulator's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def create(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST an object, as a client would (watchers see it being added)."""
        return self.call(self._request("post", path, body))

    def patch(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.call(self._request("patch", path, body))

    def delete(self, path: str) -> dict[str, Any]:
        return self.call(self._request("delete", path, None))

    def get(self, resource: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        """A copy of the stored object, or None when absent or deleted."""
        return self.call(self._get(resource, namespace, name))

    def history(self, resource: str, namespace: str | None, name: str) -> list[dict[str, Any]]:
        """Every stored version of an object, oldest first (deletions left out)."""
        return self.call(self._history(resource, namespace, name))

    def list_objects(self, resource: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return self.call(self._list(resource, namespace))

    def requests(self) -> list[tuple[str, str]]:
        """(METHOD, path) of every request served so far, in order."""
        return self.call(self._requests())

    def write_kubeconfig(self, path: Path) -> Path:
        path.write_text(
            "apiVersion: v1\nkind: Config\n"
            f"clusters: [{{name: emulator, cluster: {{server: '{self.url}'}}}}]\n"
            "users: [{name: tester, user: {token: emulated}}]\n"
            "contexts: [{name: emulator, context: {cluster: emulator, user: tester}}]\n"
            "current-context: emulator\n"
        )
        return path

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with ClusterEmulator() as emulator, kmock.Server(emulator) as server:
            for resource, info in RESOURCES.items():
                emulator.resources[resource] = kmock.ResourceInfo(verbs=_VERBS, **info)
            self.emulator = emulator
            self.url = str(server.url).rstrip("/")
            self._ready.set()
            await self._stop.wait()

    def _emulator(self) -> ClusterEmulator:
        if self.emulator is None:
            raise RuntimeError("the emulator is not running")
        return self.emulator

    async def _request(self, method: str, path: str, body: Mapping[str, Any] | None) -> Any:
        headers = {"Content-Type": "application/merge-patch+json"} if method == "patch" else {}
        async with self._emulator().request(method, path, json=body, headers=headers) as response:
            payload = await response.json()
            if response.status >= 400:
                raise RuntimeError(f"{method} {path}: {response.status} {payload}")
            return payload

    async def _get(self, resource: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        objects = self._emulator().objects
        key = (kmock.resource(resource), namespace, name)
        if key not in objects or objects[key].deleted:
            return None
        return copy.deepcopy(objects[key].raw)

    async def _history(
        self, resource: str, namespace: str | None, name: str
    ) -> list[dict[str, Any]]:
        objects = self._emulator().objects
        key = (kmock.resource(resource), namespace, name)
        if key not in objects:
            return []
        return [copy.deepcopy(version.raw) for version in objects[key].history if version]

    async def _requests(self) -> list[tuple[str, str]]:
        return [(str(request.method.value), request.url.path) for request in self._emulator()]

    async def _list(self, resource: str, namespace: str | None) -> list[dict[str, Any]]:
        wanted = kmock.resource(resource)
        return [
            copy.deepcopy(obj.raw)
            for (kind, space, _name), obj in self._emulator().objects.items()
            if kind == wanted and (namespace is None or space == namespace) and not obj.deleted
        ]
