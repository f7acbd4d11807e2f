"""`manage.py duplicates_evaluate [--file PATH ...]`: how well the duplicate finder tells the
same problem at the same spot from look-alikes, on pairs written independently of it.

Each line: {"a": {"compound", "text"}, "b": {"compound", "text"}, "same": bool, "kind": str?}.
`kind` (optional) names the sort of pair: "same" (the same problem in other words),
"other_spot" (the same problem elsewhere), "other_problem" (the same spot or object, another
problem); without it a pair counts as "same" or "look-alike". Without --file both development
files under linli/cases/tests/data are read (duplicate_pairs.jsonl, duplicate_pairs_dev2.jsonl);
duplicate_pairs_check.jsonl there was written after the finder's vocabulary and kept out of its
tuning: pass it with --file to see how the finder does on text it was not fitted to. Pairs in different compounds are never
duplicates (the selector only looks within a compound or 100 m). The categories come from the
newest stored suggester, or (without one, or with --train) from one trained here on the
residents' corpus. Prints aggregates only (never a text): precision, recall and F1 at the
product's threshold and at a few others, the area under the ROC curve, the same for the plain
bigram cosine it replaced, and per kind of pair how many are offered. With --time, also the
cost per candidate of `problem_of` + `same_problem` (what intake pays for each open case it
compares, up to SIMILAR_CANDIDATES), best of five rounds over every text. Writes nothing."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linli.cases import similarity

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
DEFAULT_FILES = (DATA / "duplicate_pairs.jsonl", DATA / "duplicate_pairs_dev2.jsonl")


def roc_auc(scores: list[float], truth: list[bool]) -> float:
    """Probability that a true pair scores above a false one (ties count half)."""
    pos = [s for s, t in zip(scores, truth) if t]
    neg = [s for s, t in zip(scores, truth) if not t]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def prf(scores, truth, threshold):
    tp = sum(s >= threshold and t for s, t in zip(scores, truth))
    fp = sum(s >= threshold and not t for s, t in zip(scores, truth))
    fn = sum(s < threshold and t for s, t in zip(scores, truth))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp, fp, fn


def read_pairs(path: Path) -> list[tuple[dict, dict, bool, str]]:
    if not path.exists():
        raise CommandError(f"{path}: no such file")
    pairs = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                row = json.loads(line)
                same = bool(row["same"])
                kind = str(row.get("kind") or ("same" if same else "look-alike"))
                pairs.append((row["a"], row["b"], same, kind))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise CommandError(f"{path}:{n}: not a pair ({exc})") from None
    return pairs


class Command(BaseCommand):
    help = "Evaluate the duplicate finder (precision/recall/ROC-AUC) on labelled pairs of texts."

    def add_arguments(self, parser):
        parser.add_argument("--file", action="append", default=None,
                            help='JSON lines {"a": {compound, text}, "b": {…}, "same": bool, "kind": str}; '
                                 "may be given more than once (default: both development files)")
        parser.add_argument("--train", action="store_true",
                            help="train a suggester on the residents' corpus here even when one is stored")
        parser.add_argument("--time", action="store_true", dest="measure_time",
                            help="also measure the cost per candidate of problem_of + same_problem")

    def handle(self, *args, file=None, train=False, measure_time=False, **options):
        paths = [Path(f) for f in file] if file else list(DEFAULT_FILES)
        loaded = [(path, read_pairs(path)) for path in paths]  # every file checked before the slow part
        rank = self._ranker(train)
        for path, pairs in loaded:
            self._evaluate(path, pairs, rank)
        if measure_time:
            self._time([(t, rank(t)) for _p, pairs in loaded for a, b, *_ in pairs
                        for t in (str(a.get("text", "")), str(b.get("text", "")))])

    def _time(self, texts: list[tuple[str, list[str]]], rounds: int = 5):
        """Microseconds per candidate: one new text against every text, as intake does."""
        new = similarity.problem_of(*texts[0])
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            for text, categories in texts:
                similarity.same_problem(new, similarity.problem_of(text, categories))
            best = min(best, time.perf_counter() - start)
        self.stdout.write(f"cost per candidate (problem_of + same_problem): {best / len(texts) * 1e6:.0f} µs "
                          f"(best of {rounds} rounds over {len(texts)} texts)")

    def _evaluate(self, path: Path, pairs, rank):
        scores, plain, truth, grounds, kinds = [], [], [], [], []
        for a, b, same, kind in pairs:
            same_place = str(a.get("compound", "")).strip() == str(b.get("compound", "")).strip()
            ta, tb = str(a.get("text", "")), str(b.get("text", ""))
            pa = similarity.problem_of(ta, rank(ta))
            pb = similarity.problem_of(tb, rank(tb))
            score, what, where = similarity.explain(pa, pb) if same_place else (0.0, "-", "other compound")
            scores.append(score)
            grounds.append((what, where))
            plain.append(similarity.cosine(pa.grams, pb.grams) if same_place else 0.0)
            truth.append(same)
            kinds.append(kind)
        w = self.stdout.write
        w(f"{path}: {len(pairs)} pairs, {sum(truth)} the same problem, {len(truth) - sum(truth)} look-alikes")
        w(f"{'':34}{'prec.':>7}{'recall':>7}{'F1':>7}{'tp':>5}{'fp':>5}{'fn':>5}")
        for t in sorted({0.45, 0.5, similarity.THRESHOLD, 0.6, 0.65, 0.7}):
            mark = "  <- product threshold" if t == similarity.THRESHOLD else ""
            p, r, f, tp, fp, fn = prf(scores, truth, t)
            w(f"{'same problem, same spot  >= %.2f' % t:34}{p:7.2f}{r:7.2f}{f:7.2f}{tp:5d}{fp:5d}{fn:5d}{mark}")
        p, r, f, tp, fp, fn = prf(plain, truth, 0.2)
        w(f"{'bigram cosine (before)   >= 0.20':34}{p:7.2f}{r:7.2f}{f:7.2f}{tp:5d}{fp:5d}{fn:5d}")
        w(f"ROC-AUC: same problem, same spot {roc_auc(scores, truth):.3f}; bigram cosine {roc_auc(plain, truth):.3f}")
        w("by kind of pair at the product threshold (offered: the same problem's recall, a look-alike's error):")
        by_kind = defaultdict(list)
        for s, k in zip(scores, kinds):
            by_kind[k].append(s)
        for k in sorted(by_kind, key=lambda k: (k != "same", k)):
            got = by_kind[k]
            offered = sum(s >= similarity.THRESHOLD for s in got)
            w(f"  {k:16} {len(got):4d} pairs  offered {offered:4d} ({offered / len(got):.2f})"
              f"  mean score {sum(got) / len(got):.2f}")
        w("grounds at the product threshold (what / where: true pos., false pos., false neg.):")
        counts = Counter()
        for s, t, g in zip(scores, truth, grounds):
            hit = s >= similarity.THRESHOLD
            if hit or t:
                counts[(g, "tp" if hit and t else "fp" if hit else "fn")] += 1
        for g in sorted({g for g, _k in counts}):
            w(f"  {g[0] + ' / ' + g[1]:40} tp {counts[(g, 'tp')]:3d}  fp {counts[(g, 'fp')]:3d}  fn {counts[(g, 'fn')]:3d}")

    def _ranker(self, train: bool):
        from linli.triage import pipeline as text_pipeline
        from linli.triage import providers
        from linli.triage.suggest import current_pipeline

        provider = providers.get()
        active = {c.code for c in provider.categories()} if provider is not None else set()
        model = None if train else current_pipeline()
        if model is None:
            from linli.triage import corpus

            samples = [s for s in corpus.samples() if s.code in active]
            model = text_pipeline.fit([s.text for s in samples], [s.code for s in samples])
            self.stdout.write(f"(categories from a suggester trained here on {len(samples)} corpus texts)")
        else:
            self.stdout.write("(categories from the newest stored suggester)")
        cache: dict[str, list[str]] = {}

        def rank(text: str) -> list[str]:
            if text not in cache:
                ranking = text_pipeline.ranked(model, [text], len(model.classes_))[0]
                cache[text] = [code for code, _p in ranking if code in active][:2]
            return cache[text]

        return rank
