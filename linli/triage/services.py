"""Training the category suggester: the residents' corpus (linli.triage.corpus) plus this
deployment's handled cases, as texts and category codes.

The cases come from the caller (`samples=`) or from the registered provider
(linli.triage.providers; the case app registers one): triage knows no feature app. The
label of a case is its FINAL category: what the handler kept or changed it to, so a
suggestion staff corrected teaches the model the correction."""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from linli.core.audit import record_audit
from linli.core.errors import Conflict, Forbidden

from . import corpus as residents
from . import pipeline as text_pipeline
from . import providers
from .models import TriageModel

log = logging.getLogger("linli.triage")

# Handled cases needed before a model is trained without the corpus (with_corpus=False).
DEFAULT_MIN_CASES = 200
# A category needs this many handled cases to be learned from the cases alone.
MIN_PER_CATEGORY = 5
# The newest cases only: bounds the nightly job's time and follows changes in how cases are
# classified.
MAX_CASES = 50_000
HELD_OUT = 0.2
SPLIT_SEED = 20240827


@dataclass(frozen=True)
class Evaluation:
    n_train: int
    n_test: int
    accuracy: float         # model top-1 on the held-out side
    top3_accuracy: float
    keyword_accuracy: float  # the keyword cold start on the same texts (no match counts as a miss)
    keyword_top3_accuracy: float
    recall: dict[str, tuple[int, int, int]]  # code -> (model hits, keyword hits, held-out count)


def keyword_lists(categories) -> list[tuple[str, list[str]]]:
    import re

    return [(c.code, [k for k in re.split(r"[\s,，、;；]+", c.keywords or "") if k]) for c in categories]


def rank_codes_by_keywords(text: str, keywords: list[tuple[str, list[str]]]) -> list[str]:
    scored = [(code, sum(len(k) for k in words if k in text)) for code, words in keywords]
    return [code for code, score in sorted((p for p in scored if p[1] > 0), key=lambda p: -p[1])]


def stratified_split(texts: list[str], labels: list[str], *, test_size: float = HELD_OUT, seed: int = SPLIT_SEED):
    """(train texts, train labels, test texts, test labels); every class on both sides."""
    from sklearn.model_selection import train_test_split

    n_classes = len(set(labels))
    n_test = max(n_classes, round(len(texts) * test_size))
    x_train, x_test, y_train, y_test = train_test_split(texts, labels, test_size=n_test, random_state=seed,
                                                        stratify=labels)
    return list(x_train), list(y_train), list(x_test), list(y_test)


def evaluate(x_train, y_train, x_test, y_test, *, fitted=None, categories=None) -> tuple[Evaluation, object]:
    """Fit on the training side (unless `fitted` is given) and score the model and the
    keyword cold start (of `categories`, default the provider's) on the held-out side;
    (evaluation, fitted pipeline)."""
    if categories is None:
        provider = providers.get()
        categories = provider.categories() if provider is not None else []
    keywords = keyword_lists(categories)
    model = fitted or text_pipeline.fit(x_train, y_train)
    predictions = text_pipeline.ranked(model, x_test, 3)
    recall: dict[str, list[int]] = {}
    top1 = top3 = kw1 = kw3 = 0
    for text, truth, ranking in zip(x_test, y_test, predictions):
        codes = [code for code, _p in ranking]
        keyword_codes = rank_codes_by_keywords(text, keywords)[:3]
        hit, kw_hit = codes[0] == truth, bool(keyword_codes) and keyword_codes[0] == truth
        top1 += hit
        top3 += truth in codes
        kw1 += kw_hit
        kw3 += truth in keyword_codes
        row = recall.setdefault(truth, [0, 0, 0])
        row[0] += hit
        row[1] += kw_hit
        row[2] += 1
    n = len(y_test) or 1
    return Evaluation(
        n_train=len(x_train), n_test=len(y_test), accuracy=top1 / n, top3_accuracy=top3 / n,
        keyword_accuracy=kw1 / n, keyword_top3_accuracy=kw3 / n,
        recall={code: tuple(row) for code, row in sorted(recall.items())},
    ), model


def _digest(ids: list[int], labels: list[str], *, with_corpus: bool, codes: list[str]) -> str:
    h = hashlib.sha256(f"pipeline={text_pipeline.PIPELINE_VERSION};".encode())
    if with_corpus:
        h.update(f"corpus={residents.digest()};codes={','.join(sorted(codes))};".encode())
    for case_id, label in sorted(zip(ids, labels)):
        h.update(f"{case_id}:{label};".encode())
    return h.hexdigest()


def _require_trainer(actor) -> None:
    # Training reads every case of the deployment, whatever their place: not a scoped verb.
    if actor is None or not actor.is_authenticated or not actor.is_superuser:
        raise Forbidden(_("只有系统管理员可以训练分类模型"), code="triage_train_forbidden")


def _held_out_cases(rows, seed):
    """A fifth of the handled cases, per category where it has at least MIN_PER_CATEGORY."""
    rng = random.Random(seed)
    by_code: dict[str, list[int]] = {}
    for i, (_id, _t, code) in enumerate(rows):
        by_code.setdefault(code, []).append(i)
    held = set()
    for indexes in by_code.values():
        if len(indexes) >= MIN_PER_CATEGORY:
            rng.shuffle(indexes)
            held.update(indexes[: max(1, round(len(indexes) * HELD_OUT))])
    return held


def use_corpus() -> bool:
    """settings.LINLI_TRIAGE_CORPUS (default True): train on the residents' corpus too."""
    from django.conf import settings

    return bool(getattr(settings, "LINLI_TRIAGE_CORPUS", True))


def train_model(*, actor, samples: Iterable[tuple[int, str, str]] | None = None, with_corpus: bool | None = None,
                min_cases: int | None = None, force: bool = False, max_cases: int = MAX_CASES) -> TriageModel:
    """Train on the residents' corpus and the handled cases' final categories (`samples`:
    (id, text, code), by default the provider's), score on a held-out part (whole corpus
    phrasings and a fifth of the cases) against the keyword cold start, refit on all of it
    and store a new version. Only the provider's suggestable categories are learned.

    Over the same data as the newest model (and the same pipeline and corpus) nothing is
    trained and that model is returned, unless `force`. Raises Conflict when there is too
    little to learn from (without the corpus: fewer than `min_cases` handled cases)."""
    _require_trainer(actor)
    if with_corpus is None:
        with_corpus = use_corpus()
    provider = providers.get()
    categories = provider.categories() if provider is not None else []
    active = {c.code for c in categories}
    if samples is None:
        samples = provider.handled(max_cases=max_cases) if provider is not None else []
    rows = [(i, t, c) for i, t, c in list(samples)[:max_cases] if t and (c in active or not active)]
    if not with_corpus:
        counts: dict[str, int] = {}
        for _i, _t, code in rows:
            counts[code] = counts.get(code, 0) + 1
        rows = [r for r in rows if counts[r[2]] >= MIN_PER_CATEGORY]
    corpus_rows = [s for s in residents.samples() if s.code in active] if with_corpus else []
    minimum = (0 if with_corpus else DEFAULT_MIN_CASES) if min_cases is None else min_cases
    labels_seen = {r[2] for r in rows} | {s.code for s in corpus_rows}
    if len(rows) < max(minimum, 0) or len(labels_seen) < 2 or len(rows) + len(corpus_rows) < 2:
        raise Conflict(_("已办理的诉求不足 %(n)d 件（或少于两个类别），暂不能训练分类模型") % {"n": minimum},
                       code="triage_too_few_cases")
    ids, labels = [r[0] for r in rows], [r[2] for r in rows]
    digest = _digest(ids, labels, with_corpus=with_corpus, codes=sorted(active))
    newest = TriageModel.objects.order_by("-version").first()
    if newest is not None and newest.data_digest == digest and not force:
        return newest

    # Held out: whole phrasings of the corpus (only the written text is scored) and a fifth
    # of each category's cases.
    corpus_train, corpus_test = residents.split_by_phrasing(corpus_rows) if corpus_rows else ([], [])
    held = _held_out_cases(rows, SPLIT_SEED)
    x_train = [s.text for s in corpus_train] + [r[1] for i, r in enumerate(rows) if i not in held]
    y_train = [s.code for s in corpus_train] + [r[2] for i, r in enumerate(rows) if i not in held]
    x_test = [s.text for s in corpus_test] + [r[1] for i, r in enumerate(rows) if i in held]
    y_test = [s.code for s in corpus_test] + [r[2] for i, r in enumerate(rows) if i in held]
    evaluation, _model = evaluate(x_train, y_train, x_test, y_test, categories=categories)
    final = text_pipeline.fit([s.text for s in corpus_rows] + [r[1] for r in rows],
                              [s.code for s in corpus_rows] + labels)
    blob = text_pipeline.dumps(final)
    import sklearn

    n_cases = len(rows)
    for _attempt in range(3):  # two trainers at once: the loser takes the next version
        try:
            with transaction.atomic():
                version = (TriageModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
                row = TriageModel.objects.create(
                    version=version, n_cases=n_cases, n_test=evaluation.n_test,
                    classes=sorted(str(c) for c in final.classes_), accuracy=evaluation.accuracy,
                    top3_accuracy=evaluation.top3_accuracy, keyword_accuracy=evaluation.keyword_accuracy,
                    data_digest=digest, sklearn_version=sklearn.__version__, pipeline=blob)
                record_audit(actor=actor, action="triage.train", target=row, data={
                    "version": version, "n_cases": n_cases, "n_corpus": len(corpus_rows),
                    "n_test": evaluation.n_test, "accuracy": round(evaluation.accuracy, 4),
                    "top3_accuracy": round(evaluation.top3_accuracy, 4),
                    "keyword_accuracy": round(evaluation.keyword_accuracy, 4), "classes": len(final.classes_)})
        except IntegrityError:
            continue
        log.info("triage: trained v%s on %s cases and %s corpus texts, held-out top-1 %.3f top-3 %.3f (keywords %.3f)",
                 version, n_cases, len(corpus_rows), evaluation.accuracy, evaluation.top3_accuracy,
                 evaluation.keyword_accuracy)
        return row
    raise Conflict(_("分类模型正在由另一个任务训练，请稍后再试"), code="triage_busy")
