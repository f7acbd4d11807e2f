"""The case app's side of triage (linli.triage.providers): which categories may be suggested
and the handled cases to learn from. Registered in CasesConfig.ready()."""

from __future__ import annotations

# Never offered as a suggestion: a case lands under 其他 only when a person chooses it.
NOT_SUGGESTED = {"other"}


class CaseTexts:
    def categories(self):
        # From the per-process cache (intake asks on every request).
        from .lookups import active_categories

        return [c for c in active_categories() if c.code not in NOT_SUGGESTED]

    def handled(self, *, max_cases: int):
        """Cases whose category a handler has settled: answered or closed (merged duplicates
        are left out; their original carries the label), in active categories, newest first."""
        from .models import Case

        return list(Case.objects.filter(status__in=(Case.Status.ANSWERED, Case.Status.CLOSED),
                                        category__is_active=True)
                    .exclude(category__code__in=NOT_SUGGESTED)
                    .order_by("-id").values_list("id", "text", "category__code")[:max_cases])


def ranking_json(ranking) -> list[dict]:
    """What is kept on the case: [{"code", "p"}] of a suggest_categories() answer."""
    return [{"code": category.code, "p": round(float(p), 4)} for category, p in ranking]
