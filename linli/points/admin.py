"""Admin for points (rules: linli/core/admin.py). The ledger, awards, redemptions and stock
movements are history: read-only here. Rules and goods change through the services (the
API and staff pages), which check scope and audit; the admin shows them."""

from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Award, EarningRule, Good, PointAccount, PointEntry, PointLot, PointTransfer, Redemption, StockEntry


class EntryInline(ReadOnlyInline):
    model = PointEntry
    fields = ["account", "lot", "amount", "at"]


@admin.register(PointTransfer)
class PointTransferAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "note", "path", "actor", "at"]
    list_filter = ["kind"]
    inlines = [EntryInline]


@admin.register(PointAccount)
class PointAccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "owner", "community", "balance"]
    list_filter = ["kind"]
    list_select_related = ["owner", "community"]


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "transfer", "account", "amount", "lot", "at"]


@admin.register(PointLot)
class PointLotAdmin(ReadOnlyAdmin):
    list_display = ["id", "account", "amount", "remaining", "expires_at"]


@admin.register(EarningRule)
class EarningRuleAdmin(ReadOnlyAdmin):
    list_display = ["name", "community", "trigger", "points", "daily_cap", "monthly_cap", "valid_days", "is_active"]
    list_filter = ["trigger", "is_active"]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ["id", "rule", "source", "person", "points", "credited", "status", "credited_at"]
    list_filter = ["status"]


@admin.register(Good)
class GoodAdmin(ReadOnlyAdmin):
    list_display = ["name", "community", "price", "stock", "donor", "is_active"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["id", "good", "person", "points", "status", "hold_until", "closed_at"]
    list_filter = ["status"]
    exclude = ["code"]  # the code is the person's to show at the counter


@admin.register(StockEntry)
class StockEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "good", "kind", "delta", "redemption", "at"]
