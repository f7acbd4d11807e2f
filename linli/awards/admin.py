"""Admin for the awards (rules: linli/core/admin.py): read-only. Rounds change through the
services (the staff pages), which check the rules, lock the round and audit."""

from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import AwardRound, Nomination, RoundEvent


class NominationInline(ReadOnlyInline):
    model = Nomination
    fields = ["name", "home", "source", "rank", "figures", "reason", "withdrawn_at", "winner"]


class RoundEventInline(ReadOnlyInline):
    model = RoundEvent
    fields = ["kind", "actor", "at", "note"]


@admin.register(AwardRound)
class AwardRoundAdmin(ReadOnlyAdmin):
    list_display = ["id", "community", "kind", "year", "seats", "method", "status", "decided_at", "published_at"]
    list_filter = ["kind", "status", "method", "year"]
    list_select_related = ["community"]
    inlines = [NominationInline, RoundEventInline]
