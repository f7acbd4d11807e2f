"""Reads of the three lists: the one roll-up of progress and money, staff lists with
filters, the public page of a compound or community, contributors, figures and the ledger.

The roll-up rule, in one place: cancelled items are left out (of counts, progress, budget
and money) and reported as `cancelled` so every page can say so; an item's progress is its
own derived `progress_bp`; a group's progress is the plain mean over the items counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from linli.accounts.roles import Verb
from linli.accounts.scope import scoped
from linli.places.models import Place

from .models import OPEN_STATUSES, FundingSource, Item, ItemPhoto, Kind, MoneyEntry, Status

COUNTED = ~Q(status=Status.CANCELLED)


@dataclass
class Rollup:
    items: int = 0
    cancelled: int = 0
    progress_sum: int = 0
    budget_fen: int = 0
    received_fen: int = 0
    spent_fen: int = 0
    by_kind: dict = field(default_factory=dict)

    @property
    def progress_bp(self) -> int | None:
        """Mean progress of the counted items, None when nothing is counted (never 0 %)."""
        return self.progress_sum // self.items if self.items else None

    @property
    def progress_percent(self) -> str:
        bp = self.progress_bp
        return "—" if bp is None else f"{bp / 100:.0f}"

    @property
    def balance_fen(self) -> int:
        return self.received_fen - self.spent_fen


def _aggregates() -> dict:
    """The one set of aggregate expressions every roll-up uses."""
    zero = IntegerField()
    return {
        "items": Count("id", filter=COUNTED),
        "cancelled": Count("id", filter=Q(status=Status.CANCELLED)),
        "progress_sum": Coalesce(Sum("progress_bp", filter=COUNTED), 0, output_field=zero),
        "budget_fen": Coalesce(Sum("budget_fen", filter=COUNTED), 0, output_field=zero),
        "received_fen": Coalesce(Sum("received_fen", filter=COUNTED), 0, output_field=zero),
        "spent_fen": Coalesce(Sum("spent_fen", filter=COUNTED), 0, output_field=zero),
    }


def rollup(items: QuerySet, *, by: str | None = None) -> Rollup | dict:
    """THE roll-up: over any set of items (a place's subtree, a project's child projects),
    one query. With `by` (an annotation name already on `items`), one Rollup per group."""
    if by is None:
        return Rollup(**items.order_by().aggregate(**_aggregates()))
    rows = items.order_by().values(by).annotate(**_aggregates())
    return {row.pop(by): Rollup(**row) for row in rows}


def place_rollup(place: Place, *, kind: str | None = Kind.PROJECT,
                 public_only: bool = False) -> tuple[Rollup, dict[str, Rollup]]:
    """The roll-up of a place's subtree, and of each child's subtree (compound → grid →
    community → street), from one query: items grouped by the path of the child they lie in
    (items at the place itself group under its own path)."""
    qs = Item.objects.filter(path__startswith=place.path)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if public_only:
        qs = qs.filter(is_public=True)
    child_len = len(place.path) + 4
    groups = rollup(qs.annotate(child=Substr("path", 1, child_len)), by="child")
    total = Rollup()
    for r in groups.values():
        for name in ("items", "cancelled", "progress_sum", "budget_fen", "received_fen", "spent_fen"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    return total, groups


def project_rollup(project: Item) -> Rollup:
    """Child projects rolled up into their parent, by the same function."""
    return rollup(Item.objects.filter(parent=project))


# ---------------------------------------------------------------- lists


def staff_items(user, *, under: Place | None = None, kind: str | None = None, status: str | None = None,
                overdue: bool = False, owner: str | None = None, source_kind: str | None = None,
                source_id: int | None = None) -> QuerySet:
    qs = scoped(user, Item.objects.all(), Verb.LISTS_VIEW, under=under.path if under else None)
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    if status in Status.values:
        qs = qs.filter(status=status)
    if overdue:
        qs = overdue_filter(qs)
    if source_kind:
        # From a source (a case, a topic, a decision) to the items it became.
        qs = qs.filter(source_kind=source_kind)
        if source_id:
            qs = qs.filter(source_id=source_id)
    if owner == "me":
        qs = qs.filter(owner_person=user)
    elif owner and owner.isdigit():
        qs = qs.filter(owner_organisation_id=int(owner))
    return qs.select_related("place", "owner_organisation", "owner_person").order_by("due_date", "-id")


def overdue_filter(qs: QuerySet, today: dt.date | None = None) -> QuerySet:
    return qs.filter(status__in=OPEN_STATUSES, due_date__lt=today or timezone.localdate())


def public_places(place: Place) -> bool:
    return place.kind.code in ("compound", "community")


@dataclass
class PublicBoard:
    place: Place
    lists: dict
    rollup: Rollup
    children: list
    lines: dict
    photos: dict
    contributors: dict


def public_board(place: Place) -> PublicBoard:
    """Everything the public page (公示) of a compound or community shows, in a fixed number
    of queries whatever the number of items."""
    items = list(Item.objects.filter(path__startswith=place.path, is_public=True)
                 .select_related("place", "owner_organisation").order_by("kind", "due_date", "id"))
    lists = {k: [i for i in items if i.kind == k] for k in Kind.values}
    total, groups = place_rollup(place, public_only=True)
    names = dict(Place.objects.filter(path__in=list(groups)).values_list("path", "name"))
    children = [(names.get(path, path), r) for path, r in sorted(groups.items()) if path != place.path]
    project_ids = [i.pk for i in lists[Kind.PROJECT]]
    lines: dict[int, list] = {}
    spent = spent_by_line(project_ids)
    from .models import BudgetLine

    for line in BudgetLine.objects.filter(item_id__in=project_ids):
        line.spent_fen = spent.get(line.pk) or 0
        lines.setdefault(line.item_id, []).append(line)
    photos: dict[int, dict] = {}
    for photo in ItemPhoto.objects.filter(item_id__in=project_ids, phase__in=[ItemPhoto.Phase.BEFORE,
                                                                             ItemPhoto.Phase.AFTER]):
        photos.setdefault(photo.item_id, {}).setdefault(photo.phase, []).append(photo)
    contributors = {pid: [] for pid in project_ids}
    for c in contributors_of(project_ids):
        contributors[c["item_id"]].append(c)
    return PublicBoard(place=place, lists=lists, rollup=total, children=children, lines=lines, photos=photos,
                       contributors=contributors)


def spent_by_line(project_ids) -> dict[int, int]:
    return dict(MoneyEntry.objects.filter(item_id__in=project_ids, kind=MoneyEntry.Kind.DISBURSEMENT)
                .values_list("budget_line_id").annotate(t=Sum("amount_fen")).values_list("budget_line_id", "t"))


def mask_name(name: str) -> str:
    """张三丰 → 张**; a partner unit's name is never masked (it is not a person)."""
    name = (name or "").strip()
    return (name[0] + "*" * max(1, len(name) - 1)) if name else ""


def contributors_of(project_ids: list[int]) -> list[dict]:
    """Residents' and charity receipts net of reversals, one row per entry not reversed;
    names masked unless the contributor chose to be named. Partner units are named."""
    rows = (MoneyEntry.objects.filter(item_id__in=project_ids, kind=MoneyEntry.Kind.RECEIPT, reverses__isnull=True)
            .filter(reversed_by__isnull=True).order_by("on_date", "id")
            .values("item_id", "party", "show_name", "source", "amount_fen", "on_date"))
    out = []
    for r in rows:
        named = r["show_name"] or r["source"] in (FundingSource.PARTNER, FundingSource.PUBLIC)
        out.append({"item_id": r["item_id"], "name": r["party"] if named else mask_name(r["party"]),
                    "source": FundingSource(r["source"]).label if r["source"] else "",
                    "amount_fen": r["amount_fen"], "on_date": r["on_date"]})
    return out


def money_by_source(item_ids) -> dict[str, int]:
    return dict(MoneyEntry.objects.filter(item_id__in=item_ids, kind=MoneyEntry.Kind.RECEIPT)
                .values_list("source").annotate(t=Sum("amount_fen")).values_list("source", "t"))


# ---------------------------------------------------------------- figures


def figures(user, *, place: Place, start: dt.date, end: dt.date) -> dict:
    """Per place and period (inclusive dates), from the records: items by kind and status
    (registered in the period), done in the period and how many on time, overdue now, money
    raised by source and spent in the period, residents who contributed."""
    items = scoped(user, Item.objects.all(), Verb.LISTS_VIEW, under=place.path)
    registered = items.filter(created_at__date__gte=start, created_at__date__lte=end)
    by_kind_status = {(r["kind"], r["status"]): r["n"] for r in
                      registered.values("kind", "status").annotate(n=Count("id")).order_by()}
    done = items.filter(status=Status.DONE, done_on__gte=start, done_on__lte=end)
    done_counts = done.aggregate(done=Count("id"),
                                 on_time=Count("id", filter=Q(due_date__isnull=True) | Q(due_date__gte=F("done_on"))))
    money = MoneyEntry.objects.filter(path__startswith=place.path, item__in=items, on_date__gte=start,
                                      on_date__lte=end)
    raised = dict(money.filter(kind=MoneyEntry.Kind.RECEIPT).values_list("source").annotate(t=Sum("amount_fen"))
                  .values_list("source", "t").order_by())
    spent = money.filter(kind=MoneyEntry.Kind.DISBURSEMENT).aggregate(t=Sum("amount_fen"))["t"] or 0
    residents = (money.filter(kind=MoneyEntry.Kind.RECEIPT, source=FundingSource.RESIDENTS, reverses__isnull=True,
                              reversed_by__isnull=True)
                 .aggregate(n=Count("party", distinct=True))["n"])
    return {
        "by_kind_status": by_kind_status,
        "registered": sum(by_kind_status.values()),
        "done": done_counts["done"], "done_on_time": done_counts["on_time"],
        "overdue": overdue_filter(items).count(),
        "raised_by_source": {s: raised.get(s, 0) or 0 for s in FundingSource.values},
        "raised_fen": sum(v or 0 for v in raised.values()),
        "spent_fen": spent,
        "contributing_residents": residents,
    }


# ---------------------------------------------------------------- ledger (台账)

LEDGER_HEADERS = ["编号", "清单", "名称", "地点", "来源", "责任单位", "责任人", "状态", "开始日期", "完成时限",
                  "完成日期", "进度(%)", "预算(元)", "到账(元)", "支出(元)", "余额(元)", "是否逾期"]


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def ledger_rows(user, place: Place) -> list[list]:
    today = timezone.localdate()
    rows = []
    qs = (scoped(user, Item.objects.all(), Verb.LISTS_VIEW, under=place.path)
          .select_related("place", "owner_organisation", "owner_person").order_by("kind", "path", "id"))
    kind_zh = {"need": "需求清单", "problem": "问题清单", "project": "项目清单"}
    status_zh = {"proposed": "已提出", "accepted": "已受理", "in_progress": "推进中", "done": "已完成",
                 "cancelled": "已取消"}
    source_zh = {"case": "居民诉求", "topic": "议题", "decision": "会议决定", "visit": "入户走访", "plan": "部门计划",
                 "other": "其他"}
    for i in qs:
        overdue = i.status in OPEN_STATUSES and i.due_date is not None and i.due_date < today
        rows.append([i.pk, kind_zh[i.kind], i.title, i.place.name,
                     source_zh.get(i.source_kind, i.source_kind) + (f" #{i.source_id}" if i.source_id else ""),
                     i.owner_organisation.name if i.owner_organisation_id else "",
                     str(i.owner_person) if i.owner_person_id else "", status_zh[i.status], i.starts_on,
                     i.due_date, i.done_on, round(i.progress_bp / 100, 2), _yuan(i.budget_fen), _yuan(i.received_fen),
                     _yuan(i.spent_fen), _yuan(i.balance_fen), "是" if overdue else "否"])
    return rows
