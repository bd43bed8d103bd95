"""Benchmark figures, printed beside the reference run's and stored as JSON."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from pathlib import Path

REFERENCE = Path(__file__).with_name("reference.json")
_NAME_WIDTH = 58


@dataclass
class Report:
    reference: dict[str, float]
    figures: dict[str, float] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Report:
        reference = json.loads(REFERENCE.read_text())["figures"] if REFERENCE.exists() else {}
        return cls(reference=reference)

    def add(self, name: str, value: float, unit: str) -> None:
        self.figures[name] = value
        self.units[name] = unit
        print(self._line(name), flush=True)

    def _line(self, name: str) -> str:
        value = self.figures[name]
        reference = self.reference.get(name)
        if reference:
            ratio = f"{value / reference:6.2f}x"
            reference_text = f"{reference:>14,.2f}"
        else:
            ratio, reference_text = "     -", f"{'-':>14}"
        return (
            f"  {name:<{_NAME_WIDTH}} {value:>14,.2f} {reference_text} {ratio}  {self.units[name]}"
        )

    def print_summary(self) -> None:
        print(
            f"\n  {'figure':<{_NAME_WIDTH}} {'this run':>14} {'reference':>14} {'ratio':>7}  unit"
        )
        for name in self.figures:
            print(self._line(name))

    def save(self) -> None:
        """Store this run's figures as the reference; those of benchmarks not run are kept."""
        machine = (
            f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}"
        )
        stored = json.loads(REFERENCE.read_text()) if REFERENCE.exists() else {}
        document = {
            "machine": machine,
            "figures": {**stored.get("figures", {}), **self.figures},
            "units": {**stored.get("units", {}), **self.units},
        }
        REFERENCE.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
