"""The enricher benchmark runs (it is not otherwise run by the tests): every stage of the
enricher's own ChainBook over synthetic releases, none of whose entries is dead-lettered, each
stage's figure reported, and the memory a batch's stored documents take. Its figures are
timings and sizes, so only their presence is checked."""

from __future__ import annotations

from bench import enricher
from bench.report import Report


def test_the_enricher_benchmark_reports_every_stage() -> None:
    report = Report(reference={})
    enricher.run(report, quick=True)
    names = [f"enricher batch of {enricher.RELEASE} ticks: {stage}" for stage in enricher.STAGES]
    total = f"enricher batch of {enricher.RELEASE} ticks: total"
    held = f"enricher batch of {enricher.RELEASE} ticks: stored documents held"
    assert list(report.figures) == [*names, total, held]
    assert all(report.figures[name] > 0 for name in names)
    assert report.figures[total] > max(report.figures[name] for name in names)
    assert [report.units[name] for name in (*names, total)] == ["ms"] * (len(names) + 1)
    assert report.figures[held] > 0
    assert report.units[held] == "KiB"
