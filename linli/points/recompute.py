"""Recompute every cached figure of the ledger from its entries and report differences:
person balances, lot remainders, stock levels, and transfers that do not sum to zero."""

from __future__ import annotations

from django.db.models import Sum

from .models import Good, PointAccount, PointEntry, PointLot, StockEntry


def differences() -> list[str]:
    found = []
    sums = dict(PointEntry.objects.values("account_id").annotate(s=Sum("amount")).values_list("account_id", "s"))
    for pk, kind, balance in PointAccount.objects.values_list("pk", "kind", "balance"):
        derived = sums.get(pk) or 0
        if kind == PointAccount.Kind.PERSON and derived != balance:
            found.append(f"account {pk}: cached {balance}, entries {derived}")
        if kind == PointAccount.Kind.PERSON and derived < 0:
            found.append(f"account {pk}: negative balance {derived}")
    lot_sums = dict(PointEntry.objects.filter(lot__isnull=False).values("lot_id").annotate(s=Sum("amount"))
                    .values_list("lot_id", "s"))
    for pk, remaining in PointLot.objects.values_list("pk", "remaining"):
        if (lot_sums.get(pk) or 0) != remaining:
            found.append(f"lot {pk}: cached {remaining}, entries {lot_sums.get(pk) or 0}")
    unbalanced = (PointEntry.objects.values("transfer_id").annotate(s=Sum("amount")).exclude(s=0)
                  .values_list("transfer_id", "s"))
    found += [f"transfer {pk}: legs sum to {s}" for pk, s in unbalanced]
    total = PointEntry.objects.aggregate(s=Sum("amount"))["s"] or 0
    if total:
        found.append(f"ledger: all entries sum to {total}")
    stock = dict(StockEntry.objects.values("good_id").annotate(s=Sum("delta")).values_list("good_id", "s"))
    for pk, cached in Good.objects.values_list("pk", "stock"):
        if (stock.get(pk) or 0) != cached:
            found.append(f"good {pk}: cached stock {cached}, entries {stock.get(pk) or 0}")
    return found
