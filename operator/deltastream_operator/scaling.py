"""What the operator writes to a scaler's target, and writing it.

With an HPA, only the HPA's ``minReplicas``/``maxReplicas`` move: the HPA keeps deciding the
replicas inside them, and the operator never writes ``replicas`` (no fight with the HPA).
Without one, the target's replicas are clamped into the bounds through the scale subresource:
a count already inside them is left alone. The ``build_*`` functions are pure; ``apply_bounds``
reads the current state first and writes only what differs, so applying twice is harmless.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from deltastream_operator.errors import TargetMismatchError
from deltastream_operator.schedule import Bounds
from deltastream_operator.spec import ScalerSpec, TargetRef


class ScalingApi(Protocol):
    """The API calls ``apply_bounds`` needs (``kube.KubeApi`` in production)."""

    async def read_hpa(self, namespace: str, name: str) -> dict[str, Any]: ...

    async def patch_hpa(
        self, namespace: str, name: str, patch: Mapping[str, Any]
    ) -> dict[str, Any]: ...

    async def read_scale(self, kind: str, namespace: str, name: str) -> dict[str, Any]: ...

    async def patch_scale(
        self, kind: str, namespace: str, name: str, patch: Mapping[str, Any]
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Applied:
    """The outcome of applying bounds: through what, and whether anything had to change."""

    via: str
    changed: bool


def build_hpa_patch(bounds: Bounds) -> dict[str, Any]:
    """A merge patch setting an HPA's bounds (and nothing else)."""
    return {"spec": {"minReplicas": bounds.min_replicas, "maxReplicas": bounds.max_replicas}}


def build_scale_patch(replicas: int) -> dict[str, Any]:
    """A merge patch for a scale subresource."""
    return {"spec": {"replicas": replicas}}


def hpa_bounds(hpa: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """The HPA's current bounds; Kubernetes defaults an absent ``minReplicas`` to 1."""
    spec = hpa.get("spec") or {}
    return spec.get("minReplicas", 1), spec.get("maxReplicas")


def hpa_target(hpa: Mapping[str, Any]) -> str:
    """``Kind/name`` of what an HPA scales."""
    ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
    return f"{ref.get('kind')}/{ref.get('name')}"


def scale_replicas(scale: Mapping[str, Any]) -> int:
    """The replicas a scale subresource asks for (an absent count means zero)."""
    replicas = (scale.get("spec") or {}).get("replicas", 0)
    return int(replicas)


def clamp_replicas(current: int, bounds: Bounds) -> int:
    """The nearest count inside the bounds: unchanged when it already is inside."""
    return min(max(current, bounds.min_replicas), bounds.max_replicas)


def describe_target(target: TargetRef) -> str:
    return f"{target.kind}/{target.name}"


async def apply_bounds(
    api: ScalingApi, namespace: str, spec: ScalerSpec, bounds: Bounds
) -> Applied:
    """Make the target's HPA (or, without one, its replicas) respect ``bounds``.

    The target is read first in both cases, so a missing workload is reported as such even
    when its HPA exists.
    """
    scale = await api.read_scale(spec.target.kind, namespace, spec.target.name)
    if spec.hpa is not None:
        return await _apply_to_hpa(api, namespace, spec.hpa, spec.target, bounds)
    wanted = clamp_replicas(scale_replicas(scale), bounds)
    if wanted == scale_replicas(scale):
        return Applied(via=f"{describe_target(spec.target)} scale", changed=False)
    await api.patch_scale(spec.target.kind, namespace, spec.target.name, build_scale_patch(wanted))
    return Applied(via=f"{describe_target(spec.target)} scale", changed=True)


async def _apply_to_hpa(
    api: ScalingApi, namespace: str, name: str, target: TargetRef, bounds: Bounds
) -> Applied:
    hpa = await api.read_hpa(namespace, name)
    if hpa_target(hpa) != describe_target(target):
        raise TargetMismatchError(name, describe_target(target), hpa_target(hpa))
    if hpa_bounds(hpa) == (bounds.min_replicas, bounds.max_replicas):
        return Applied(via=f"HPA {name}", changed=False)
    await api.patch_hpa(namespace, name, build_hpa_patch(bounds))
    return Applied(via=f"HPA {name}", changed=True)
