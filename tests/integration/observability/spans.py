"""Spans written as JSON lines by the services' ``console`` exporter, read back for assertions."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Span:
    name: str
    service: str
    kind: str
    trace_id: str
    span_id: str
    parent_id: str | None
    links: tuple[tuple[str, str], ...]
    attributes: dict[str, Any]

    @classmethod
    def of(cls, record: dict[str, Any]) -> Span:
        return cls(
            name=record["name"],
            service=record["resource"]["attributes"]["service.name"],
            kind=record["kind"].removeprefix("SpanKind."),
            trace_id=record["context"]["trace_id"],
            span_id=record["context"]["span_id"],
            parent_id=record["parent_id"],
            links=tuple(
                (link["context"]["trace_id"], link["context"]["span_id"])
                for link in record["links"]
            ),
            attributes=record["attributes"],
        )


def read_spans(paths: Iterable[Path]) -> list[Span]:
    return [
        Span.of(json.loads(line))
        for path in paths
        if path.exists()
        for line in path.read_text().splitlines()
        if line.strip()
    ]


def ancestors(span: Span, spans: list[Span]) -> list[Span]:
    """The chain of parents of ``span`` among ``spans``, nearest first."""
    by_id = {candidate.span_id: candidate for candidate in spans}
    chain = []
    current = span
    while current.parent_id in by_id:
        current = by_id[current.parent_id]
        chain.append(current)
    return chain
