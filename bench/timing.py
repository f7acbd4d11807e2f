"""What every benchmark here shares: linli's path against a baseline on the same data in
the same run, alternating, several rounds, the median of each, one printed line; and a
stopwatch for the generators' steps."""

from __future__ import annotations

import statistics
import time


def measure(label: str, linli_fn, baseline_fn, *, rounds: int, check=None,
            baseline_name: str = "hand-written SQL") -> tuple[float, float]:
    """Median milliseconds of (linli, baseline); `check(linli_result, baseline_result)`
    first, so a fast wrong answer cannot pass for a fast right one."""
    first = linli_fn(), baseline_fn()  # also warms caches and plans
    if check is not None:
        check(*first)
    ours, theirs = [], []
    for _ in range(rounds):
        for fn, out in ((linli_fn, ours), (baseline_fn, theirs)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    a, b = statistics.median(ours) * 1000, statistics.median(theirs) * 1000
    print(f"{label}: linli {a:.1f} ms, {baseline_name} {b:.1f} ms, ratio {a / b:.2f}x", flush=True)
    return a, b


class timed:
    """`with timed("residents", timings):` prints the step, then its seconds, and keeps them."""

    def __init__(self, label: str, timings: list):
        self.label, self.timings = label, timings

    def __enter__(self):
        self.t = time.perf_counter()
        print(f"  {self.label} …", flush=True)

    def __exit__(self, *exc):
        took = time.perf_counter() - self.t
        self.timings.append((self.label, took))
        print(f"  {self.label}: {took:.1f} s", flush=True)
