"""The case categories, read once per process (linli.core.cache): intake looks its category
up on every request, and the taxonomy changes a few times a year."""

from __future__ import annotations

from linli.core.cache import ProcessCache

from .models import Category


def _load() -> dict[str, Category]:
    categories = list(Category.objects.all())
    by_id = {c.pk: c for c in categories}
    for category in categories:
        if category.parent_id is not None and category.parent_id in by_id:
            category.parent = by_id[category.parent_id]  # the chain for routing, without queries
    return {c.code: c for c in categories if c.is_active}


_active = ProcessCache("cases.categories", _load, models=["cases.Category"])


def active_category(code: str) -> Category | None:
    """The active category with this code, or None. A miss is checked against the database
    once (a category added a moment ago in another process), and then reloads the cache."""
    category = _active.get().get(code)
    if category is None and code:
        category = Category.objects.filter(code=code, is_active=True).first()
        if category is not None:
            _active.forget()
    return category


def active_categories() -> list[Category]:
    """The active categories in their order (sort, id), parents attached."""
    return sorted(_active.get().values(), key=lambda c: (c.sort, c.pk))
