"""Training the category suggester on this deployment's own handled cases.

The label of a case is its FINAL category: what the handler kept or changed it to, so a
suggestion staff corrected teaches the model the correction (`Case.suggested_category` is
what was suggested; it is never used as a label)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from linli.core.audit import record_audit
from linli.core.errors import Conflict, Forbidden

from . import pipeline as text_pipeline
from .models import TriageModel

log = logging.getLogger("linli.triage")

DEFAULT_MIN_CASES = 200
# A category needs this many handled cases to be learned; rarer ones stay with the keywords.
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
    accuracy: float         # model top-1 on the held-out split
    top3_accuracy: float
    keyword_accuracy: float  # the keyword cold start on the same split (no match counts as "other")
    keyword_top3_accuracy: float
    recall: dict[str, tuple[int, int, int]]  # code -> (model hits, keyword hits, held-out count)


def handled_cases():
    """Cases whose category a handler has settled: answered or closed (merged duplicates are
    left out; their original carries the label), in active categories, newest first."""
    from linli.cases.models import Case

    return (Case.objects.filter(status__in=(Case.Status.ANSWERED, Case.Status.CLOSED), category__is_active=True)
            .order_by("-id"))


def training_data(*, max_cases: int = MAX_CASES) -> tuple[list[str], list[str], list[int]]:
    rows = list(handled_cases().values_list("id", "text", "category__code")[:max_cases])
    return [r[1] for r in rows], [r[2] for r in rows], [r[0] for r in rows]


def stratified_split(texts: list[str], labels: list[str], *, test_size: float = HELD_OUT, seed: int = SPLIT_SEED):
    """(train texts, train labels, test texts, test labels); every class on both sides."""
    from sklearn.model_selection import train_test_split

    n_classes = len(set(labels))
    n_test = max(n_classes, round(len(texts) * test_size))
    x_train, x_test, y_train, y_test = train_test_split(texts, labels, test_size=n_test, random_state=seed,
                                                        stratify=labels)
    return list(x_train), list(y_train), list(x_test), list(y_test)


def evaluate(x_train, y_train, x_test, y_test, *, fitted=None) -> tuple[Evaluation, object]:
    """Fit on the training side (unless `fitted` is given) and score the model and the
    keyword cold start on the held-out side; (evaluation, fitted pipeline)."""
    from linli.cases.models import Category

    from .suggest import rank_by_keywords

    categories = list(Category.objects.filter(is_active=True).exclude(keywords=""))
    model = fitted or text_pipeline.fit(x_train, y_train)
    predictions = text_pipeline.ranked(model, x_test, 3)
    recall: dict[str, list[int]] = {}
    top1 = top3 = kw1 = kw3 = 0
    for text, truth, ranking in zip(x_test, y_test, predictions):
        codes = [code for code, _p in ranking]
        keyword_codes = [c.code for c, _s in rank_by_keywords(text, categories)][:3] or ["other"]
        hit, kw_hit = codes[0] == truth, keyword_codes[0] == truth
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


def _digest(ids: list[int], labels: list[str]) -> str:
    h = hashlib.sha256(f"pipeline={text_pipeline.PIPELINE_VERSION};".encode())
    for case_id, label in sorted(zip(ids, labels)):
        h.update(f"{case_id}:{label};".encode())
    return h.hexdigest()


def _require_trainer(actor) -> None:
    # Training reads every case of the deployment, whatever their place: not a scoped verb.
    if actor is None or not actor.is_authenticated or not actor.is_superuser:
        raise Forbidden(_("只有系统管理员可以训练分类模型"), code="triage_train_forbidden")


def train_model(*, actor, min_cases: int = DEFAULT_MIN_CASES, force: bool = False,
                max_cases: int = MAX_CASES) -> TriageModel:
    """Train on the handled cases' final categories, score on a stratified held-out split
    against the keyword cold start, refit on all of them and store a new version.

    Over the same cases as the newest model (and the same pipeline) nothing is trained and
    that model is returned, unless `force`. Raises Conflict when there are too few cases."""
    _require_trainer(actor)
    texts, labels, ids = training_data(max_cases=max_cases)
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    keep = {code for code, count in counts.items() if count >= MIN_PER_CATEGORY}
    rows = [(t, y, i) for t, y, i in zip(texts, labels, ids) if y in keep]
    if len(rows) < max(min_cases, 2) or len(keep) < 2:
        raise Conflict(_("已办理的诉求不足 %(n)d 件（或少于两个类别），暂不能训练分类模型") % {"n": min_cases},
                       code="triage_too_few_cases")
    texts, labels, ids = (list(col) for col in zip(*rows))
    digest = _digest(ids, labels)
    newest = TriageModel.objects.order_by("-version").first()
    if newest is not None and newest.data_digest == digest and not force:
        return newest

    evaluation, _model = evaluate(*stratified_split(texts, labels))
    final = text_pipeline.fit(texts, labels)
    blob = text_pipeline.dumps(final)
    import sklearn

    for _attempt in range(3):  # two trainers at once: the loser takes the next version
        try:
            with transaction.atomic():
                version = (TriageModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
                row = TriageModel.objects.create(
                    version=version, n_cases=len(texts), n_test=evaluation.n_test,
                    classes=sorted(str(c) for c in final.classes_), accuracy=evaluation.accuracy,
                    top3_accuracy=evaluation.top3_accuracy, keyword_accuracy=evaluation.keyword_accuracy,
                    data_digest=digest, sklearn_version=sklearn.__version__, pipeline=blob)
                record_audit(actor=actor, action="triage.train", target=row, data={
                    "version": version, "n_cases": len(texts), "n_test": evaluation.n_test,
                    "accuracy": round(evaluation.accuracy, 4), "top3_accuracy": round(evaluation.top3_accuracy, 4),
                    "keyword_accuracy": round(evaluation.keyword_accuracy, 4), "classes": len(final.classes_)})
        except IntegrityError:
            continue
        log.info("triage: trained v%s on %s cases, held-out accuracy %.3f (keywords %.3f)", version, len(texts),
                 evaluation.accuracy, evaluation.keyword_accuracy)
        return row
    raise Conflict(_("分类模型正在由另一个任务训练，请稍后再试"), code="triage_busy")
