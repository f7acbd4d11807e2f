"""The residents' corpus the category suggester starts from: texts written the way residents,
hotline operators and grid workers write (one file per category code, one text per line,
``<code>.txt`` beside this module), and their retellings in other voices.

Each written text is a phrasing of its own; `voices` retells it the way other people would
say the same thing (an elderly neighbour, an angry one, someone in dialect, someone who
types with homophone slips, a hotline operator, a second problem mentioned on the way), so
the model learns the problem and not the tone. A held-out split is by written text: the
retellings of a text stay on its side (`split_by_phrasing`).

The labels are category codes only: this module knows nothing of the case app's models.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Bump when the texts or the retellings change: the stored model's digest includes it.
CORPUS_VERSION = 2


@dataclass(frozen=True)
class Sample:
    text: str
    code: str
    phrasing: int   # index of the written text it was made from (for a split by phrasing)
    voice: str      # "written" or the retelling's voice


@cache
def written() -> tuple[tuple[str, str], ...]:
    """(text, code) of every written line, in file order."""
    rows = []
    for path in sorted(HERE.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                rows.append((line, path.stem))
    return tuple(rows)


def codes() -> list[str]:
    return sorted({code for _t, code in written()})


# ---------------------------------------------------------------- voices

OPENERS = {
    "elder": ["我老汉儿跟你们说个事，", "哎呀，", "我是个老人，不大会打字，", "同志你好，", "孙子帮我写的：",
              "我七十多了，说个事情，"],
    "angry": ["说了多少遍了！", "你们到底管不管？", "第三次反映了，", "气死我了，", "真的受不了了！"],
    "vague": ["那个，", "就是说，", "有个事情，", "问一下，", "不晓得找哪个，"],
    "hotline": ["市民来电反映：", "12345转办：来电人称", "居民来电称，", "热线工单：居民反映", "来电人反映，"],
    "patrol": ["网格员巡查发现：", "入户走访时居民反映：", "楼栋长报告：", "院坝会上居民提出：", "巡查记录："],
    "polite": ["您好，", "网格员您好，", "社区领导好，", "打扰一下，", "麻烦问一下，"],
}
CLOSERS = {
    "elder": ["麻烦你们了。", "谢谢你们啊", "你们有空来看看嘛", "我们老年人没办法"],
    "angry": ["再不管我就打12345了！", "太不像话了！！", "到底有没有人管", "能不能干点实事"],
    "vague": ["", "你们看看咋弄", "反正就是这个事", "不知道归不归你们管"],
    "hotline": ["请核实处理。", "望尽快解决。", "来电人要求回复。", "请相关部门处理。"],
    "patrol": ["已拍照留存。", "需协调处理。", "已告知居民会上报。", ""],
    "polite": ["谢谢！", "麻烦尽快处理。", "辛苦了。", "盼回复。"],
}
# Dialect and homophone slips as residents type them (pinyin input picks the wrong character).
DIALECT = [("什么", "啥子"), ("怎么", "咋个"), ("没有", "没得"), ("很", "得很"), ("这里", "这儿"),
           ("那里", "那旮旯"), ("晚上", "晚黑"), ("看看", "瞅瞅"), ("非常", "贼"), ("小孩", "娃儿"),
           ("老人", "老年人"), ("不知道", "不晓得"), ("一下", "一哈"), ("了", "咯")]
TYPOS = [("坏", "怀"), ("修", "休"), ("已经", "以经"), ("在", "再"), ("的", "地"), ("得", "的"), ("垃圾", "拉圾"),
         ("反映", "反应"), ("处理", "处里"), ("楼道", "楼到"), ("电梯", "电题"), ("邻居", "领居"),
         ("物业", "物叶"), ("停车", "听车"), ("晚上", "晚尚"), ("好几", "好机"), ("小区", "小去")]


def _swap(text: str, pairs, rng: random.Random, n: int) -> str:
    hits = [(a, b) for a, b in pairs if a in text]
    rng.shuffle(hits)
    for a, b in hits[:n]:
        text = text.replace(a, b, 1)
    return text


def voices(text: str, code: str, rng: random.Random, others: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(voice, retelling) pairs of one written text; `others` are written texts of other
    categories, for the second problem mentioned on the way."""
    out = []
    for voice in rng.sample(sorted(OPENERS), 3):
        out.append((voice, rng.choice(OPENERS[voice]) + text + ("，" if not text.endswith(("。", "！", "？")) else "")
                    + rng.choice(CLOSERS[voice])))
    out.append(("dialect", _swap(text, DIALECT, rng, 3)))
    out.append(("typo", _swap(text, TYPOS, rng, 2)))
    # Two problems in one message: the main one first, another mentioned on the way.
    other_text, other_code = rng.choice(others)
    if other_code != code:
        tail = other_text[: max(6, len(other_text) // 2)]
        out.append(("two_problems", f"{text}。还有，{tail}"))
    return [(v, t) for v, t in out if t and t != text]


@cache
def samples(seed: int = 20241201) -> tuple[Sample, ...]:
    """Every written text and its retellings, deterministic for a seed."""
    rows = written()
    out = []
    for i, (text, code) in enumerate(rows):
        rng = random.Random(f"{seed}:{i}")
        out.append(Sample(text, code, i, "written"))
        others = [rows[rng.randrange(len(rows))] for _ in range(3)]
        out.extend(Sample(t, code, i, v) for v, t in voices(text, code, rng, others))
    return tuple(out)


def split_by_phrasing(items, *, test_share: float = 0.2, seed: int = 7):
    """(train, test) lists of Samples: a share of each category's written texts goes to the
    test side with all their retellings; the test side keeps only the written texts (what a
    resident would write, not our retellings of it)."""
    by_code: dict[str, list[int]] = {}
    for s in items:
        if s.voice == "written":
            by_code.setdefault(s.code, []).append(s.phrasing)
    rng = random.Random(seed)
    held: set[int] = set()
    for phrasings in by_code.values():
        ordered = sorted(phrasings)
        rng.shuffle(ordered)
        held.update(ordered[: max(1, round(len(ordered) * test_share))])
    train = [s for s in items if s.phrasing not in held]
    test = [s for s in items if s.phrasing in held and s.voice == "written"]
    return train, test


def digest() -> str:
    h = hashlib.sha256(f"corpus={CORPUS_VERSION};".encode())
    for text, code in written():
        h.update(f"{code}:{text};".encode())
    return h.hexdigest()
