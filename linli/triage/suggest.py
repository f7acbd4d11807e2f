"""Category suggestion: a ranked list of the categories a text is most likely about, with
probabilities. The newest trained model (linli.triage.services.train_model: the residents'
corpus plus the deployment's handled cases) ranks; without one, the admin-set keywords of
each category do. The model's best guess is always offered, however unsure: the resident
and the handler choose among the first three, so an unsure model never files a case under
"other" by itself (the provider does not offer "other" as a suggestion at all).

`suggest_category(text)` is by definition the first of `suggest_categories(text)`.

The categories are whatever objects the registered provider (linli.triage.providers) hands
out; triage knows no feature app's models."""

from __future__ import annotations

import logging
import threading

from django.apps import apps

from . import providers
from .services import keyword_lists, rank_codes_by_keywords

log = logging.getLogger("linli.triage")


def _categories() -> list:
    provider = providers.get()
    return list(provider.categories()) if provider is not None else []


# ---------------------------------------------------------------- keywords (cold start)


def rank_by_keywords(text: str, categories=None) -> list[tuple[object, int]]:
    """Categories whose keywords occur in `text`, by the total length of the matched
    keywords, best first (ties: category order)."""
    if categories is None:
        categories = _categories()
    scored = []
    for category, (_code, words) in zip(categories, keyword_lists(categories)):
        score = sum(len(k) for k in words if k in (text or ""))
        if score > 0:
            scored.append((category, score))
    scored.sort(key=lambda pair: -pair[1])  # stable: equal scores keep the category order
    return scored


def suggest_by_keywords(text: str):
    ranking = rank_by_keywords(text or "")
    return ranking[0][0] if ranking else None


# ---------------------------------------------------------------- the trained model

_cache_lock = threading.Lock()
# Per process: the newest model's key (id, trained_at) and its fitted pipeline (None when it
# could not be loaded). trained_at is in the key because an id can come back after a
# rolled-back transaction (tests).
_cache: dict[str, object] = {"key": None, "pipeline": None}
# The newest model's key is read once per process too (linli.core.cache: dropped when a model
# is trained, here at once and in other processes within LINLI_LOOKUP_CACHE_SECONDS), not once
# per suggestion: intake's statement budget (cases/tests/test_intake_queries.py).
_model_key = None


def _newest_model_key():
    global _model_key
    if _model_key is None:
        with _cache_lock:
            if _model_key is None:
                from linli.core.cache import ProcessCache

                def load():
                    from .models import TriageModel

                    return TriageModel.objects.order_by("-version").values_list("id", "trained_at").first()

                _model_key = ProcessCache("triage.model_key", load, models=["triage.TriageModel"])
    return _model_key.get()


def current_pipeline():
    """The newest trained pipeline, loaded once per process per model row; None without one."""
    if not apps.is_installed("linli.triage"):  # the app's table does not exist: keywords only
        return None
    from .models import TriageModel

    key = _newest_model_key()
    if key is None:
        return None
    if _cache["key"] == key:
        return _cache["pipeline"]
    with _cache_lock:
        if _cache["key"] != key:
            from . import pipeline as text_pipeline

            blob = TriageModel.objects.filter(pk=key[0]).values_list("pipeline", flat=True).first()
            try:
                loaded = text_pipeline.loads(blob) if blob is not None else None
            except Exception:  # e.g. saved by another scikit-learn: use keywords until the next retrain
                log.exception("triage: could not load model %s; suggesting by keywords", key[0])
                loaded = None
            _cache["pipeline"], _cache["key"] = loaded, key
    return _cache["pipeline"]


def forget_cached_model() -> None:
    with _cache_lock:
        _cache["key"], _cache["pipeline"] = None, None
    if _model_key is not None:
        _model_key.forget()


def rank_codes(text: str, k: int | None = None) -> list[tuple[str, float]]:
    """(code, probability) by the newest model, best first, over every class it knows; []
    without a model."""
    model = current_pipeline()
    if model is None or not (text or "").strip():
        return []
    from . import pipeline as text_pipeline

    return text_pipeline.ranked(model, [text], k or len(model.classes_))[0]


# ---------------------------------------------------------------- the suggestion


def suggest_categories(text: str, k: int = 3) -> list[tuple[object, float]]:
    """Up to k (category, probability) pairs, best first. With a model: the model's
    probabilities over the suggestable categories (renormalised over them). Without one:
    the keyword matches, their scores shared out as a rough probability ([] when none)."""
    text = (text or "").strip()
    if k <= 0 or not text:
        return []
    categories = _categories()
    by_code = {c.code: c for c in categories}
    ranking = [(by_code[code], p) for code, p in rank_codes(text) if code in by_code]
    if ranking:
        total = sum(p for _c, p in ranking) or 1.0
        return [(c, p / total) for c, p in ranking[:k]]
    scored = rank_by_keywords(text, categories)
    total = sum(score for _c, score in scored) or 1
    return [(category, score / total) for category, score in scored[:k]]


def suggest_category(text: str):
    """The most likely category for `text`, or None: the first of `suggest_categories`."""
    ranking = suggest_categories(text, 1)
    return ranking[0][0] if ranking else None
