"""``make bench``: every benchmark, each printing its figures beside the reference run.

``python -m bench [pipeline|quant ...]`` runs some; ``--record`` stores this run's figures as
the new reference (``bench/reference.json``).
"""

from __future__ import annotations

import argparse
import importlib

from bench.report import Report

BENCHMARKS = ("quant", "enricher", "pipeline", "serving")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"some of {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--record", action="store_true", help="store figures as the reference")
    parser.add_argument("--quick", action="store_true", help="shorter runs, noisier figures")
    args = parser.parse_args()
    report = Report.load()
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark: {', '.join(sorted(unknown))}")
    for name in args.names or BENCHMARKS:
        print(f"\n== {name}", flush=True)
        module = importlib.import_module(f"bench.{name}")
        module.run(report, quick=args.quick)
    report.print_summary()
    if args.record:
        report.save()


if __name__ == "__main__":
    main()
