"""The case categories and routing rules, read once per process (linli.core.cache): intake
looks both up on every request, and they change a few times a year."""

from __future__ import annotations

from linli.core.cache import ProcessCache

from .models import Category, RoutingRule


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


def _load_rules() -> dict[int, list[RoutingRule]]:
    by_place: dict[int, list[RoutingRule]] = {}
    for rule in RoutingRule.objects.select_related("organisation"):
        by_place.setdefault(rule.place_id, []).append(rule)
    return by_place


_rules = ProcessCache("cases.routing_rules", _load_rules, models=["cases.RoutingRule"])


def routing_rules_at(place_ids) -> list[RoutingRule]:
    """The routing rules held at any of `place_ids` (a place and its ancestors)."""
    by_place = _rules.get()
    return [rule for pk in place_ids for rule in by_place.get(pk, ())]
