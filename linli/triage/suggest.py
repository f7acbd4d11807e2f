"""Category suggestion. Cold start: the admin-set keywords of each category; the trained
model (linli.triage.model) takes over once the deployment has handled cases."""

from __future__ import annotations

import re


def _keywords(category) -> list[str]:
    return [k for k in re.split(r"[\s,，、;；]+", category.keywords or "") if k]


def suggest_by_keywords(text: str):
    from linli.cases.models import Category

    best, best_score = None, 0
    for category in Category.objects.filter(is_active=True).exclude(keywords=""):
        score = sum(len(k) for k in _keywords(category) if k in text)
        if score > best_score:
            best, best_score = category, score
    return best


def suggest_category(text: str):
    """The most likely category for `text`, or None."""
    return suggest_by_keywords(text or "")
