"""Category suggestion. Cold start: the admin-set keywords of each category. Once a model has
been trained on the deployment's handled cases (linli.triage.services.train_model), the
newest one answers when it is confident enough; below the threshold the keywords do."""

from __future__ import annotations

import logging
import re
import threading

from django.apps import apps
from django.conf import settings

log = logging.getLogger("linli.triage")

# The model's probability needed for its top category to be used as the suggestion;
# settings.LINLI_TRIAGE_MIN_PROBABILITY overrides it. Over 21 categories 0.2 is four times a
# blind guess; `manage.py triage_evaluate` prints the accuracy at other thresholds (on
# generated texts the model's unsure guesses still beat the keywords, so a low one wins).
DEFAULT_MIN_PROBABILITY = 0.2


def min_probability() -> float:
    return float(getattr(settings, "LINLI_TRIAGE_MIN_PROBABILITY", DEFAULT_MIN_PROBABILITY))


# ---------------------------------------------------------------- keywords (cold start)


def _keywords(category) -> list[str]:
    return [k for k in re.split(r"[\s,，、;；]+", category.keywords or "") if k]


def rank_by_keywords(text: str, categories=None) -> list[tuple[object, int]]:
    """Categories whose keywords occur in `text`, by the total length of the matched
    keywords, best first (ties: category order)."""
    from linli.cases.models import Category

    if categories is None:
        categories = [c for c in _active_categories() if c.keywords]
    scored = []
    for category in categories:
        score = sum(len(k) for k in _keywords(category) if k in text)
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
# The newest model's key and the active categories are read once per process too
# (linli.core.cache: dropped when a model is trained or a category edited, here at once and
# in other processes within LINLI_LOOKUP_CACHE_SECONDS), not once per suggestion.
_lookups: dict[str, object] = {}


def _lookup(name: str):
    cache = _lookups.get(name)
    if cache is None:
        with _cache_lock:
            cache = _lookups.get(name) or _make_lookup(name)
            _lookups[name] = cache
    return cache.get()


def _make_lookup(name: str):
    from linli.core.cache import ProcessCache

    if name == "model_key":
        def load():
            from .models import TriageModel

            return TriageModel.objects.order_by("-version").values_list("id", "trained_at").first()

        return ProcessCache("triage.model_key", load, models=["triage.TriageModel"])

    def load():
        return list(apps.get_model("cases", "Category").objects.filter(is_active=True))

    return ProcessCache("triage.categories", load, models=["cases.Category"])


def _active_categories() -> list:
    return _lookup("categories")


def current_pipeline():
    """The newest trained pipeline, loaded once per process per model row; None without one."""
    if not apps.is_installed("linli.triage"):  # the app's table does not exist: keywords only
        return None
    from .models import TriageModel

    key = _lookup("model_key")
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
    for cache in list(_lookups.values()):
        cache.forget()


def _model_ranking(model, text: str) -> list[tuple[object, float]]:
    """Active categories by the model's probability, best first."""
    from . import pipeline as text_pipeline

    ranking = text_pipeline.ranked(model, [text], len(model.classes_))[0]
    active = {c.code: c for c in _active_categories()}
    return [(active[code], p) for code, p in ranking if code in active]


# ---------------------------------------------------------------- the suggestion


def suggest_categories(text: str, k: int = 3) -> list[tuple[object, float]]:
    """Up to k (Category, probability) pairs for the intake form, best first; the first is
    what `suggest_category` suggests. With a model, probabilities are the model's (a
    keyword match moves to the front when the model is not confident); without one, the
    keyword scores are shared out as a rough probability."""
    text = text or ""
    if k <= 0 or not text.strip():
        return []
    model = current_pipeline()
    if model is not None:
        ranking = _model_ranking(model, text)
        if ranking and ranking[0][1] < min_probability():
            keyword_pick = suggest_by_keywords(text)
            if keyword_pick is not None:
                ranking = ([pair for pair in ranking if pair[0].pk == keyword_pick.pk]
                           or [(keyword_pick, 0.0)]) + [pair for pair in ranking if pair[0].pk != keyword_pick.pk]
        return ranking[:k]
    scored = rank_by_keywords(text)
    total = sum(score for _c, score in scored) or 1
    return [(category, score / total) for category, score in scored[:k]]


def suggest_category(text: str):
    """The most likely category for `text`, or None: the newest model's top category when
    its probability reaches the threshold, else the best keyword match."""
    text = text or ""
    if not text.strip():
        return None
    model = current_pipeline()
    if model is not None:
        ranking = _model_ranking(model, text)
        if ranking and ranking[0][1] >= min_probability():
            return ranking[0][0]
    return suggest_by_keywords(text)
