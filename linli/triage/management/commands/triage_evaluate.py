"""`manage.py triage_evaluate`: how well the category suggester does on texts it never saw.

Without --file: trains the pipeline on the residents' corpus (linli.triage.corpus) with a
fifth of each category's written texts held out whole (their retellings too), and scores
the held-out written texts and the sanity set written in another style (hotline and patrol
records, linli/triage/corpus/sanity.tsv).

With --file PATH (JSON lines {"text", "category", "voice"}; category as a code, a Chinese
or an English name): trains on the whole corpus (plus the deployment's handled cases with
--with-cases) and scores the file. Prints aggregates only (never a text): top-1/top-3
overall, per category and per voice, and the most frequent confusions. Writes nothing."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

SANITY = Path(__file__).resolve().parents[2] / "corpus" / "sanity.tsv"


class Command(BaseCommand):
    help = "Evaluate the category suggester (top-1/top-3 per category, confusions) on held-out or independent texts."

    def add_arguments(self, parser):
        parser.add_argument("--file", help="JSON lines {text, category, voice} written independently of the corpus")
        parser.add_argument("--with-cases", action="store_true",
                            help="with --file: train on the handled cases too, as the nightly job does")
        parser.add_argument("--stored", action="store_true",
                            help="with --file: score the newest stored model instead of training one")
        parser.add_argument("--confusions", type=int, default=12, help="how many confusions to list (default 12)")

    def handle(self, *args, file=None, with_cases=False, stored=False, confusions=12, **options):
        from linli.triage import corpus, providers

        provider = providers.get()
        categories = provider.categories() if provider is not None else []
        if not categories:
            raise CommandError("no categories: run `manage.py migrate` first")
        active = {c.code for c in categories}
        self.names = {c.code: getattr(c, "name", c.code) for c in categories}
        self.confusions = confusions
        samples = [s for s in corpus.samples() if s.code in active]
        if file is None:
            train, test = corpus.split_by_phrasing(samples)
            model = self._fit([s.text for s in train], [s.code for s in train])
            self._report(f"held out by phrasing: {len(test)} written texts never trained on "
                         f"({len(train)} training texts)", model, [s.text for s in test], [s.code for s in test],
                         ["written"] * len(test))
            rows = [line.split("\t", 1) for line in SANITY.read_text(encoding="utf-8").splitlines() if "\t" in line]
            rows = [(code, text) for code, text in rows if code in active]
            self._report(f"sanity set in another style (hotline and patrol records): {len(rows)} texts", model,
                         [t for _c, t in rows], [c for c, _t in rows], ["record"] * len(rows))
            return
        texts, truths, voices, unknown = self._read(Path(file), categories)
        if stored:
            from linli.triage.suggest import current_pipeline

            model = current_pipeline()
            if model is None:
                raise CommandError("no stored model: run the triage job (or load_demo) first")
            title = "newest stored model"
        else:
            x, y = [s.text for s in samples], [s.code for s in samples]
            if with_cases and provider is not None:
                cases = provider.handled(max_cases=50_000)
                x += [t for _i, t, c in cases if c in active]
                y += [c for _i, t, c in cases if c in active]
            model = self._fit(x, y)
            title = f"trained on {len(x)} texts (corpus{' + handled cases' if with_cases else ''})"
        self.stdout.write(f"{file}: {len(texts)} labelled texts" + (f", {unknown} with an unknown category skipped"
                                                                    if unknown else ""))
        self._report(title, model, texts, truths, voices)

    def _fit(self, x, y):
        from linli.triage import pipeline as text_pipeline

        started = time.monotonic()
        model = text_pipeline.fit(x, y)
        self.stdout.write(f"(trained on {len(x)} texts in {time.monotonic() - started:.1f}s)")
        return model

    @staticmethod
    def _read(path: Path, categories):
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        lookup = {}
        for c in categories:
            for key in (c.code, getattr(c, "name", None), getattr(c, "name_en", None)):
                if key:
                    lookup[str(key).strip().lower()] = c.code
        texts, truths, voices, unknown = [], [], [], 0
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise CommandError(f"{path}:{n}: not JSON ({exc.msg})") from None
            code = lookup.get(str(row.get("category", "")).strip().lower())
            if code is None:
                unknown += 1
                continue
            texts.append(str(row.get("text", "")))
            truths.append(code)
            voices.append(str(row.get("voice") or "-"))
        return texts, truths, voices, unknown

    def _report(self, title, model, texts, truths, voices) -> None:
        from linli.triage import pipeline as text_pipeline
        from linli.triage.providers import get

        active = {c.code for c in get().categories()}
        rankings = []
        for ranking in text_pipeline.ranked(model, texts, len(model.classes_)) if texts else []:
            rankings.append([code for code, _p in ranking if code in active][:3])
        w = self.stdout.write
        n = len(truths) or 1
        top1 = sum(r[:1] == [t] for r, t in zip(rankings, truths))
        top3 = sum(t in r for r, t in zip(rankings, truths))
        w("")
        w(f"== {title}")
        w(f"overall: top-1 {top1 / n:.3f}  top-3 {top3 / n:.3f}  (n={len(truths)})")
        w(f"{'category':30}{'n':>5}{'top-1':>8}{'top-3':>8}  most often taken for")
        confusions: Counter = Counter()
        for code in sorted(set(truths), key=lambda c: self.names.get(c, c)):
            idx = [i for i, t in enumerate(truths) if t == code]
            hits1 = sum(rankings[i][:1] == [code] for i in idx)
            hits3 = sum(code in rankings[i] for i in idx)
            wrong = Counter(rankings[i][0] for i in idx if rankings[i] and rankings[i][0] != code)
            confusions.update({(code, other): k for other, k in wrong.items()})
            taken = ", ".join(f"{self.names.get(o, o)} {k}" for o, k in wrong.most_common(2))
            w(f"{code + ' ' + self.names.get(code, ''):30}{len(idx):5d}{hits1 / len(idx):8.2f}{hits3 / len(idx):8.2f}"
              f"  {taken}")
        if len(set(voices)) > 1:
            w("per voice:")
            for voice in sorted(set(voices)):
                idx = [i for i, v in enumerate(voices) if v == voice]
                hits1 = sum(rankings[i][:1] == [truths[i]] for i in idx)
                hits3 = sum(truths[i] in rankings[i] for i in idx)
                w(f"  {voice:26}{len(idx):5d}{hits1 / len(idx):8.2f}{hits3 / len(idx):8.2f}")
        w(f"main confusions (truth -> suggested first, count):")
        for (truth, other), k in confusions.most_common(self.confusions):
            w(f"  {self.names.get(truth, truth)} -> {self.names.get(other, other)}: {k}")
