"""Text and distance measures for finding duplicate cases on intake.

Chinese has no spaces, and resident reports are short and colloquial ("楼下井盖又坏了"), so
word segmentation adds little over overlapping character pairs (bigrams), which need no
dictionary and treat "井盖坏了" and "井盖损坏" as close. Cosine over bigram counts, plus
single latin/digit words so "3栋" and "3号楼" still share "3"."""

from __future__ import annotations

import math
import re
from collections import Counter

_CJK = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[a-z0-9]+")
# Words every report shares; they say nothing about which problem it is.
_STOP = frozenset("的了是在我们你他她它有和就都也还又很太这那个吗呢吧啊呀请帮一下".strip())
EARTH_RADIUS_M = 6_371_000


def shingles(text: str) -> Counter:
    text = (text or "").lower()
    grams: Counter = Counter()
    for run in _CJK.findall(text):
        chars = [c for c in run if c not in _STOP]
        if len(chars) == 1:
            grams[chars[0]] += 1
        grams.update(a + b for a, b in zip(chars, chars[1:]))
    grams.update(_WORD.findall(text))
    return grams


def cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(n * b.get(g, 0) for g, n in a.items())
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(n * n for n in a.values()) * sum(n * n for n in b.values()))


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def degree_box(lat: float, metres: float) -> tuple[float, float]:
    """Half-sizes (Δlat, Δlng) in degrees of a square of `metres` around a latitude: a cheap
    index-friendly pre-filter before the exact distance."""
    dlat = metres / 111_320
    dlng = metres / (111_320 * max(0.01, math.cos(math.radians(lat))))
    return dlat, dlng
