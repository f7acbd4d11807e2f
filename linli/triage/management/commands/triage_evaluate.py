"""`manage.py triage_evaluate`: how well the category suggester would do, before a deployment
has cases of its own. Generates a labelled corpus (linli.demo.case_texts), splits it 80/20
stratified with a fixed seed, trains the same pipeline as `train_model` on the 80% and prints
top-1/top-3 accuracy of the model and of the keyword cold start on the held-out 20%, the
accuracy of the suggestion as deployed (model when confident, else keywords) at a few
thresholds, and recall per category.

A random split of generated texts puts other fillings of the same phrasings on both sides,
so it flatters the model; the second block (unless --no-unseen) holds out whole situations
per category — phrasings the model never saw — which is the fairer figure. Writes nothing."""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5)


class Command(BaseCommand):
    help = "Evaluate the category suggester on generated labelled texts against the keyword cold start."

    def add_arguments(self, parser):
        parser.add_argument("-n", "--texts", type=int, default=3000, help="labelled texts to generate (default 3000)")
        parser.add_argument("--seed", type=int, default=7, help="corpus seed (default 7)")
        parser.add_argument("--no-unseen", action="store_true",
                            help="skip the second evaluation, with whole situations held out")

    def handle(self, *args, texts=3000, seed=7, no_unseen=False, **options):
        from linli.cases.models import Category
        from linli.demo.case_texts import generate
        from linli.triage.services import SPLIT_SEED, stratified_split

        if texts < 100:
            raise CommandError("need at least 100 texts")
        if not Category.objects.filter(is_active=True).exists():
            raise CommandError("no categories: run `manage.py migrate` first")
        corpus = generate(texts, seed=seed)
        self.stdout.write(f"triage_evaluate: {len(corpus)} generated texts (linli.demo.case_texts, seed {seed}), "
                          f"{len({c.code for c in corpus})} categories")
        split = stratified_split([c.text for c in corpus], [c.code for c in corpus])
        self._report(f"random 80/20 split, stratified, seed {SPLIT_SEED}", split)
        if not no_unseen:
            self._report("unseen situations: a fifth of each category's phrasings held out whole",
                         split_by_situation(corpus, SPLIT_SEED))

    def _report(self, title, split) -> None:
        from linli.cases.models import Category
        from linli.triage import pipeline as text_pipeline
        from linli.triage.services import evaluate
        from linli.triage.suggest import min_probability, rank_by_keywords

        x_train, y_train, x_test, y_test = split
        started = time.monotonic()
        result, model = evaluate(x_train, y_train, x_test, y_test)
        elapsed = time.monotonic() - started
        categories = list(Category.objects.filter(is_active=True).exclude(keywords=""))
        keyword_top = []
        for text in x_test:
            ranking = rank_by_keywords(text, categories)
            keyword_top.append(ranking[0][0].code if ranking else "other")
        model_top = [ranking[0] for ranking in text_pipeline.ranked(model, x_test, 1)]
        names = dict(Category.objects.values_list("code", "name"))
        n = result.n_test
        w = self.stdout.write
        w("")
        w(f"== {title}: {result.n_train} train / {n} held out; trained and scored in {elapsed:.1f}s")
        w(f"{'':34}{'top-1':>8}{'top-3':>8}")
        w(f"{'model (jieba + TF-IDF + LogReg)':34}{result.accuracy:8.3f}{result.top3_accuracy:8.3f}")
        w(f"{'keywords (cold start)':34}{result.keyword_accuracy:8.3f}{result.keyword_top3_accuracy:8.3f}")
        w("as deployed (model if p >= threshold, else keywords):")
        for threshold in sorted({*THRESHOLDS, min_probability()}):
            confident = [p >= threshold for _code, p in model_top]
            hits = sum((code if sure else kw) == truth
                       for (code, _p), sure, kw, truth in zip(model_top, confident, keyword_top, y_test))
            mark = "  <- LINLI_TRIAGE_MIN_PROBABILITY" if threshold == min_probability() else ""
            w(f"  p >= {threshold:.2f}: top-1 {hits / n:.3f}, model used for {sum(confident) / n:6.1%}{mark}")
        w("recall per category (model / keywords / held-out texts):")
        for code, (hits, keyword_hits, count) in result.recall.items():
            w(f"  {code:18} {names.get(code, ''):8}{hits / count:6.2f}{keyword_hits / count:6.2f}{count:6d}")


def split_by_situation(corpus, seed):
    """Per category, about a fifth of its situations (and every text made from them) go to
    the held-out side: the model never saw those phrasings."""
    rng = random.Random(seed)
    by_code: dict[str, set[str]] = {}
    for item in corpus:
        by_code.setdefault(item.code, set()).add(item.situation)
    held = set()
    for situations in by_code.values():
        ordered = sorted(situations)
        rng.shuffle(ordered)
        held.update(ordered[: max(1, round(len(ordered) * 0.2))])
    train = [c for c in corpus if c.situation not in held]
    test = [c for c in corpus if c.situation in held]
    return [c.text for c in train], [c.code for c in train], [c.text for c in test], [c.code for c in test]
