"""Admin for the three lists (rules: linli/core/admin.py): everything is read-only here.
Items, money, milestones and photos change only through linli.lists.services (lock, scope,
history, notices in one transaction); item history and money entries are append-only."""

from __future__ import annotations

from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import BudgetLine, Item, ItemEvent, MoneyEntry, Milestone


class EventInline(ReadOnlyInline):
    model = ItemEvent
    fields = ["at", "kind", "actor", "note", "data"]
    readonly_fields = fields
    show_change_link = False


class BudgetInline(ReadOnlyInline):
    model = BudgetLine
    fields = ["name", "amount_fen"]
    readonly_fields = fields


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = ["title", "weight", "planned_on", "done_on"]
    readonly_fields = fields


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "place", "due_date", "progress_bp", "budget_fen", "received_fen",
                    "spent_fen"]
    list_filter = ["kind", "status", "source_kind"]
    search_fields = ["title", "place__name"]
    list_select_related = ["place"]
    inlines = [BudgetInline, MilestoneInline, EventInline]


@admin.register(MoneyEntry)
class MoneyEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "item", "kind", "source", "party", "amount_fen", "on_date", "is_advance", "reverses"]
    list_filter = ["kind", "source", "is_advance"]
    search_fields = ["party", "item__title", "receipt_no"]
    list_select_related = ["item", "reverses"]
