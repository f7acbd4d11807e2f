"""The three lists over JSON: items, status moves, links, closing, budget, money (amounts in
fen), milestones, following and the roll-up. Endpoints parse, call a service or selector and
shape the answer."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from linli.accounts.roles import Verb
from linli.accounts.scope import allowed, get_scoped, require
from linli.core.errors import NotFound
from linli.core.history import timeline
from linli.core.idempotency import run_idempotent
from linli.core.schemas import ERRORS, MAX_ID, Id, text
from linli.places.models import Place

from . import selectors, services
from .models import Item

router = Router(tags=["lists"])
PATH_ID = Path(..., ge=1, le=MAX_ID)
MAX_FEN = services.MAX_FEN
DAY_MIN, DAY_MAX = dt.date(2000, 1, 1), dt.date(2100, 1, 1)


class ItemIn(Schema):
    kind: text(16) = Field(..., description="need 需求 / problem 问题 / project 项目")
    title: text(100)
    place_id: Id
    description: text(2000) = ""
    source_kind: text(16) = "other"
    source_id: Id | None = None
    source_note: text(200) = ""
    owner_organisation_id: Id | None = None
    owner_person_id: Id | None = None
    due_date: dt.date | None = Field(None, ge=DAY_MIN, le=DAY_MAX)
    starts_on: dt.date | None = Field(None, ge=DAY_MIN, le=DAY_MAX)
    parent_id: Id | None = None
    progress_mode: text(16) = "status"
    allows_advance: bool = False
    is_public: bool = True


class ItemOut(Schema):
    id: int
    kind: str
    title: str
    place_id: int
    status: str
    status_label: str
    source_kind: str
    source_id: int | None
    due_date: dt.date | None
    starts_on: dt.date
    done_on: dt.date | None
    progress_mode: str
    progress_bp: int
    budget_fen: int
    pledged_fen: int
    received_fen: int
    spent_fen: int
    balance_fen: int
    parent_id: int | None

    @staticmethod
    def resolve_status_label(obj):
        return obj.get_status_display()


class EventOut(Schema):
    kind: str
    actor: str | None
    at: dt.datetime
    note: str
    data: dict

    @staticmethod
    def resolve_actor(obj):
        return str(obj.actor) if obj.actor_id else None


class ItemDetailOut(ItemOut):
    history: list[EventOut]


class ItemFilter(Schema):
    kind: str | None = Field(None, max_length=16)
    status: str | None = Field(None, max_length=16)
    overdue: bool = False
    owner: str | None = Field(None, max_length=20, description="me，或责任单位编号")
    under: int | None = Field(None, ge=1, le=MAX_ID, description="地点（含下级）")
    source_kind: str | None = Field(None, max_length=16, description="来源：case / topic / decision …")
    source_id: int | None = Field(None, ge=1, le=MAX_ID, description="来源编号")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10**7)


class StatusIn(Schema):
    to: text(16)
    reason: text(2000) = ""


class LinkIn(Schema):
    project_id: Id


class OutcomeIn(Schema):
    item_id: Id
    outcome: text(16)
    note: text(300) = ""


class CloseIn(Schema):
    reason: text(2000) = ""
    outcomes: list[OutcomeIn] = Field(default_factory=list, max_length=200)


class BudgetLineIn(Schema):
    name: text(60)
    amount_fen: int = Field(..., ge=0, le=MAX_FEN)


class MoneyIn(Schema):
    kind: text(16) = Field(..., description="pledge 认捐 / receipt 到账 / disbursement 支出")
    amount_fen: int = Field(..., ge=1, le=MAX_FEN, description="金额（分，整数）")
    on_date: dt.date = Field(..., ge=DAY_MIN, le=DAY_MAX)
    party: text(100)
    source: text(16) = ""
    budget_line_id: Id | None = None
    contributor_id: Id | None = None
    show_name: bool = False
    note: text(500) = ""


class MoneyOut(Schema):
    id: int
    kind: str
    source: str
    party: str
    amount_fen: int
    on_date: dt.date
    is_advance: bool
    reverses_id: int | None
    receipt_no: str


class ReasonIn(Schema):
    reason: text(2000)


class MilestoneIn(Schema):
    title: text(100)
    planned_on: dt.date = Field(..., ge=DAY_MIN, le=DAY_MAX)
    weight: int | None = Field(None, ge=1, le=1000)


class MilestoneDoneIn(Schema):
    done_on: dt.date = Field(..., ge=DAY_MIN, le=DAY_MAX)
    note: text(500) = ""


class MilestoneOut(Schema):
    id: int
    title: str
    weight: int | None
    planned_on: dt.date
    done_on: dt.date | None


class RollupOut(Schema):
    items: int
    cancelled: int
    progress_bp: int | None
    budget_fen: int
    received_fen: int
    spent_fen: int
    balance_fen: int


class PlaceRollupOut(Schema):
    total: RollupOut
    children: dict[str, RollupOut]


def _viewable(request, item_id: int) -> Item:
    item = Item.objects.filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("未找到该清单事项"), code="not_found")
    if not item.is_public:
        require(request.user, Verb.LISTS_VIEW, item)
    return item


def _detail(request, item: Item) -> Item:
    item.history = timeline(item.events.all(), show_internal=allowed(request.user, Verb.LISTS_MANAGE, item))
    return item


@router.get("/lists/items", response={200: list[ItemOut], **ERRORS}, summary="清单事项（可按类别、状态、逾期、责任筛选）")
def list_items(request, filters: Query[ItemFilter]):
    under = None
    if filters.under:
        under = get_scoped(request.user, Place.objects.all(), Verb.LISTS_VIEW, pk=filters.under)
    qs = selectors.staff_items(request.user, under=under, kind=filters.kind, status=filters.status,
                               overdue=filters.overdue, owner=filters.owner, source_kind=filters.source_kind,
                               source_id=filters.source_id)
    return qs[filters.offset: filters.offset + filters.limit]


@router.post("/lists/items", response={201: ItemOut, **ERRORS}, summary="登记需求、问题或项目")
def create_item(request, payload: ItemIn):
    def create():
        item = services.create_item(actor=request.user, **payload.dict())
        return ItemOut.from_orm(item).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), create)


@router.get("/lists/items/{item_id}", response={200: ItemDetailOut, **ERRORS}, summary="事项详情与记录")
def get_item(request, item_id: int = PATH_ID):
    return _detail(request, _viewable(request, item_id))


@router.post("/lists/items/{item_id}/status", response={200: ItemOut, **ERRORS}, summary="变更状态（按状态转换表）")
def change_status(request, payload: StatusIn, item_id: int = PATH_ID):
    return services.change_status(actor=request.user, item_id=item_id, to=payload.to, reason=payload.reason)


@router.post("/lists/items/{item_id}/links", response={201: dict, **ERRORS}, summary="关联到项目")
def link(request, payload: LinkIn, item_id: int = PATH_ID):
    services.link_to_project(actor=request.user, item_id=item_id, project_id=payload.project_id)
    return Status(201, {"item_id": item_id, "project_id": payload.project_id})


@router.post("/lists/items/{item_id}/close", response={200: ItemOut, **ERRORS}, summary="项目结项")
def close(request, payload: CloseIn, item_id: int = PATH_ID):
    outcomes = {o.item_id: (o.outcome, o.note) for o in payload.outcomes}
    return services.close_project(actor=request.user, item_id=item_id, reason=payload.reason, outcomes=outcomes)


@router.post("/lists/items/{item_id}/budget-lines", response={201: dict, **ERRORS}, summary="新增或调整预算科目")
def budget_line(request, payload: BudgetLineIn, item_id: int = PATH_ID):
    line = services.set_budget_line(actor=request.user, item_id=item_id, name=payload.name,
                                    amount_fen=payload.amount_fen)
    return Status(201, {"id": line.pk, "name": line.name, "amount_fen": line.amount_fen})


@router.post("/lists/items/{item_id}/money", response={201: MoneyOut, **ERRORS},
             summary="登记认捐、到账或支出（追加记录，不可修改）")
def record_money(request, payload: MoneyIn, item_id: int = PATH_ID):
    def create():
        entry = services.record_money(actor=request.user, item_id=item_id, **payload.dict())
        return MoneyOut.from_orm(entry).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), create)


@router.get("/lists/items/{item_id}/money", response={200: list[MoneyOut], **ERRORS}, summary="资金记录")
def money(request, item_id: int = PATH_ID):
    item = get_scoped(request.user, Item.objects.all(), Verb.LISTS_VIEW, pk=item_id)
    return item.money.order_by("id")


@router.post("/lists/money/{entry_id}/reverse", response={201: MoneyOut, **ERRORS}, summary="冲正一条资金记录")
def reverse(request, payload: ReasonIn, entry_id: int = PATH_ID):
    return Status(201, services.reverse_money(actor=request.user, entry_id=entry_id, reason=payload.reason))


@router.post("/lists/items/{item_id}/milestones", response={201: MilestoneOut, **ERRORS}, summary="新增里程碑")
def add_milestone(request, payload: MilestoneIn, item_id: int = PATH_ID):
    return Status(201, services.add_milestone(actor=request.user, item_id=item_id, **payload.dict()))


@router.post("/lists/milestones/{milestone_id}/done", response={200: MilestoneOut, **ERRORS}, summary="里程碑完成")
def milestone_done(request, payload: MilestoneDoneIn, milestone_id: int = PATH_ID):
    return services.complete_milestone(actor=request.user, milestone_id=milestone_id, done_on=payload.done_on,
                                       note=payload.note)


@router.post("/lists/items/{item_id}/follow", response={204: None, **ERRORS}, summary="关注事项")
def follow(request, item_id: int = PATH_ID):
    services.follow(actor=request.user, item_id=item_id)
    return Status(204, None)


@router.delete("/lists/items/{item_id}/follow", response={204: None, **ERRORS}, summary="取消关注")
def unfollow(request, item_id: int = PATH_ID):
    services.unfollow(actor=request.user, item_id=item_id)
    return Status(204, None)


@router.get("/lists/places/{place_id}/rollup", response={200: PlaceRollupOut, **ERRORS},
            summary="地点及其下级的项目进度与资金汇总（已取消的不计入）")
def place_rollup(request, place_id: int = PATH_ID):
    place = get_scoped(request.user, Place.objects.all(), Verb.LISTS_VIEW, pk=place_id)
    total, groups = selectors.place_rollup(place)

    def out(r):
        return {"items": r.items, "cancelled": r.cancelled, "progress_bp": r.progress_bp,
                "budget_fen": r.budget_fen, "received_fen": r.received_fen, "spent_fen": r.spent_fen,
                "balance_fen": r.balance_fen}

    return {"total": out(total), "children": {path: out(r) for path, r in groups.items()}}
