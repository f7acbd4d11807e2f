"""`manage.py duplicates_evaluate --file PATH`: how well the duplicate finder tells the same
problem at the same spot from look-alikes, on pairs written independently of it.

Each line: {"a": {"compound", "text"}, "b": {"compound", "text"}, "same": bool}. Pairs in
different compounds are never duplicates (the selector only looks within a compound or
100 m). The categories come from the newest stored suggester, or (without one, or with
--train) from one trained here on the residents' corpus. Prints aggregates only (never a
text): precision, recall and F1 at the product's threshold and at a few others, the area
under the ROC curve, and the same for the plain bigram cosine it replaced. Writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linli.cases import similarity


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


class Command(BaseCommand):
    help = "Evaluate the duplicate finder (precision/recall/ROC-AUC) on labelled pairs of texts."

    def add_arguments(self, parser):
        parser.add_argument("--file", required=True, help='JSON lines {"a": {compound, text}, "b": {…}, "same": bool}')
        parser.add_argument("--train", action="store_true",
                            help="train a suggester on the residents' corpus here even when one is stored")

    def handle(self, *args, file, train=False, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        pairs = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    row = json.loads(line)
                    pairs.append((row["a"], row["b"], bool(row["same"])))
                except (ValueError, KeyError, TypeError) as exc:
                    raise CommandError(f"{path}:{n}: not a pair ({exc})") from None
        rank = self._ranker(train)
        scores, plain, truth, grounds = [], [], [], []
        for a, b, same in pairs:
            same_place = str(a.get("compound", "")).strip() == str(b.get("compound", "")).strip()
            ta, tb = str(a.get("text", "")), str(b.get("text", ""))
            pa = similarity.problem_of(ta, rank(ta))
            pb = similarity.problem_of(tb, rank(tb))
            score, what, where = similarity.explain(pa, pb) if same_place else (0.0, "-", "other compound")
            scores.append(score)
            grounds.append((what, where))
            plain.append(similarity.cosine(pa.grams, pb.grams) if same_place else 0.0)
            truth.append(same)
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
        w("grounds at the product threshold (what / where: true pos., false pos., false neg.):")
        from collections import Counter

        kinds = Counter()
        for s, t, g in zip(scores, truth, grounds):
            hit = s >= similarity.THRESHOLD
            if hit or t:
                kinds[(g, "tp" if hit and t else "fp" if hit else "fn")] += 1
        for g in sorted({g for g, _k in kinds}):
            w(f"  {g[0] + ' / ' + g[1]:40} tp {kinds[(g, 'tp')]:3d}  fp {kinds[(g, 'fp')]:3d}  fn {kinds[(g, 'fn')]:3d}")

    def _ranker(self, train: bool):
        from linli.triage import providers
        from linli.triage.suggest import current_pipeline

        provider = providers.get()
        active = {c.code for c in provider.categories()} if provider is not None else set()
        model = None if train else current_pipeline()
        if model is None:
            from linli.triage import corpus
            from linli.triage import pipeline as text_pipeline

            samples = [s for s in corpus.samples() if s.code in active]
            model = text_pipeline.fit([s.text for s in samples], [s.code for s in samples])
            self.stdout.write(f"(categories from a suggester trained here on {len(samples)} corpus texts)")
        else:
            self.stdout.write("(categories from the newest stored suggester)")
        from linli.triage import pipeline as text_pipeline

        def rank(text: str) -> list[str]:
            ranking = text_pipeline.ranked(model, [text], len(model.classes_))[0]
            return [code for code, _p in ranking if code in active][:2]

        return rank
