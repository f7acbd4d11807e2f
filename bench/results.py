"""Each benchmark records its ratios here (one JSON line each, in $BENCH_RESULTS when set);
`python bench/results.py FILE` prints them all with their aims and the worst, as the last
lines of `make bench`."""

from __future__ import annotations

import json
import os
import sys


def record(name: str, value: float, aim: float, *, higher_is_better: bool = False, unit: str = "x",
           detail: str = "") -> None:
    """One measured ratio (or time) against its aim: `value <= aim` passes, or `value >= aim`
    with higher_is_better."""
    path = os.environ.get("BENCH_RESULTS")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"name": name, "value": value, "aim": aim, "higher": higher_is_better,
                              "unit": unit, "detail": detail}, ensure_ascii=False) + "\n")


def _shortfall(row) -> float:
    """How far from the aim, as a factor (> 1: missed)."""
    if row["higher"]:
        return row["aim"] / row["value"] if row["value"] else float("inf")
    return row["value"] / row["aim"]


def _fmt(value: float, unit: str) -> str:
    return f"{value:.2f}x" if unit == "x" else f"{value:.1f} {unit}" if unit == "ms" else f"{value:.2f}"


def summary(path: str) -> int:
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    if not rows:
        print("no results recorded")
        return 1
    width = max(len(r["name"]) for r in rows)
    print(f"{'benchmark':<{width}}  {'measured':>10}  {'aim':>10}  ")
    for r in rows:
        sign = ">=" if r["higher"] else "<="
        ok = "ok" if _shortfall(r) <= 1 else "MISSED"
        print(f"{r['name']:<{width}}  {_fmt(r['value'], r['unit']):>10}  {sign} {_fmt(r['aim'], r['unit']):>7}  {ok}"
              + (f"  ({r['detail']})" if r["detail"] else ""))
    worst = max(rows, key=_shortfall)
    print(f"worst: {worst['name']}: {_fmt(worst['value'], worst['unit'])} "
          f"(aim {'>=' if worst['higher'] else '<='} {_fmt(worst['aim'], worst['unit'])}, "
          f"{_shortfall(worst):.2f} of the aim)")
    return 0


if __name__ == "__main__":
    sys.exit(summary(sys.argv[1]))
