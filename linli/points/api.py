"""Points API: my accounts and history, the shop, redemption, the counter's scan; for the
shop's staff, rules, goods and stock, the shop's redemptions, manual awards and corrections."""

import datetime as dt

from ninja import Path, Query, Router, Schema
from pydantic import Field

from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Verb
from linli.accounts.scope import get_scoped
from linli.core.errors import NotFound
from linli.core.idempotency import run_idempotent
from linli.core.schemas import ERRORS
from linli.places.models import Place

from . import selectors, services, services_staff
from .models import EarningRule, Good, Redemption

router = Router(tags=["points"])
ID = Field(..., ge=1, le=2**63 - 1)
PATH_ID = Path(..., ge=1, le=2**63 - 1)


class AccountOut(Schema):
    community_id: int
    community: str
    balance: int

    @staticmethod
    def resolve_community(obj):
        return obj.community.name


class EntryOut(Schema):
    amount: int
    kind: str
    note: str
    at: dt.datetime

    @staticmethod
    def resolve_kind(obj):
        return obj.transfer.kind

    @staticmethod
    def resolve_note(obj):
        return obj.transfer.note


class GoodOut(Schema):
    id: int
    name: str
    price: int
    stock: int
    donor: str
    community_id: int


class RedemptionOut(Schema):
    id: int
    good_id: int
    points: int
    code: str
    status: str
    hold_until: dt.datetime


class CodeIn(Schema):
    code: str = Field(..., max_length=16)


class ReasonIn(Schema):
    reason: str = Field("", max_length=300)


class ManualAwardIn(Schema):
    # Ranges and the reason are the service's to judge, so every field at fault is reported at once.
    person_id: int = ID
    community_id: int = ID
    points: int | None = Field(None, ge=-(2**31), le=2**31 - 1)
    reason: str = Field("", max_length=300)
    valid_days: int | None = Field(None, ge=1, le=3660)


class TransferOut(Schema):
    id: int
    kind: str
    note: str
    at: dt.datetime


@router.get("/points/accounts", response={200: list[AccountOut], **ERRORS}, summary="我的积分账户")
def my_accounts(request):
    return selectors.accounts_of(request.user)


@router.get("/points/history", response={200: list[EntryOut], **ERRORS}, summary="我的积分明细")
def my_history(request, community_id: int = Query(..., ge=1, le=2**63 - 1)):
    community = Place.objects.filter(pk=community_id).first()
    if community is None:
        return []
    return selectors.history(person=request.user, community=community, limit=200)


@router.get("/points/goods", response={200: list[GoodOut], **ERRORS}, summary="积分超市商品")
def goods(request, community_id: int | None = Query(None, ge=1, le=2**63 - 1)):
    qs = selectors.goods()
    if community_id:
        qs = qs.filter(community_id=community_id)
    return list(qs[:200])


@router.post("/points/goods/{good_id}/redeem", response={201: RedemptionOut, **ERRORS}, summary="兑换商品")
def redeem(request, good_id: int = PATH_ID):
    def create():
        return RedemptionOut.from_orm(services.redeem(actor=request.user, good_id=good_id)).model_dump(mode="json")

    return run_idempotent(request, {"good_id": good_id}, create)


@router.get("/points/redemptions", response={200: list[RedemptionOut], **ERRORS}, summary="我的兑换")
def my_redemptions(request):
    return list(selectors.my_redemptions(request.user)[:200])


@router.post("/points/redemptions/{redemption_id}/cancel", response={200: RedemptionOut, **ERRORS},
             summary="取消兑换（退回积分和库存）")
def cancel(request, payload: ReasonIn, redemption_id: int = PATH_ID):
    return services.cancel_redemption(actor=request.user, redemption_id=redemption_id, reason=payload.reason)


@router.post("/points/claim", response={200: RedemptionOut, **ERRORS}, summary="柜台核销领取码")
def claim(request, payload: CodeIn):
    return services.claim(actor=request.user, code=payload.code)


@router.post("/points/awards", response={201: TransferOut, **ERRORS}, summary="手工发放积分（须填理由）")
def manual_award(request, payload: ManualAwardIn):
    def create():
        t = services.manual_award(actor=request.user, **payload.model_dump())
        return TransferOut.from_orm(t).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), create)


@router.post("/points/transfers/{transfer_id}/reverse", response={200: TransferOut, **ERRORS}, summary="冲正")
def reverse(request, payload: ReasonIn, transfer_id: int = PATH_ID):
    return services.reverse_transfer(actor=request.user, transfer_id=transfer_id, reason=payload.reason)


# ---------------------------------------------------------------- the shop's staff (points.manage)
#
# The same scope as the staff pages (views_staff.py): a community is one of
# `selectors.managed_communities`, an object is read with `get_scoped(…, POINTS_MANAGE)`;
# anything outside is "not found". Ranges and required fields are judged by the services
# only (the schemas bound ids and lengths), so one request reports every field at fault,
# in the words the pages use. Creates (a rule, a good, stock in, a correction) take an
# `Idempotency-Key`: a retried stock-in must not count the delivery twice.

BIG = Field(None, ge=-(2**31), le=2**31 - 1)


def _managed_community(actor, community_id: int) -> Place:
    found = next((c for c in selectors.managed_communities(actor) if c.pk == community_id), None)
    if found is None:
        raise NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found", field="community_id")
    return found


class RuleOut(Schema):
    id: int
    community_id: int
    trigger: str
    name: str
    points: int
    daily_cap: int | None
    monthly_cap: int | None
    valid_days: int | None
    is_active: bool
    month_points: int | None = None


class RuleIn(Schema):
    trigger: str = Field("", max_length=16)
    name: str = Field("", max_length=100)
    points: int | None = BIG
    daily_cap: int | None = BIG
    monthly_cap: int | None = BIG
    valid_days: int | None = BIG


class NewRuleIn(RuleIn):
    community_id: int = ID


class RuleActiveIn(Schema):
    active: bool
    reason: str = Field("", max_length=300)


class StaffGoodOut(Schema):
    id: int
    community_id: int
    name: str
    description: str
    price: int
    stock: int
    donor: str
    is_active: bool
    held: int | None = None
    claimed: int | None = None


class GoodIn(Schema):
    name: str = Field("", max_length=100)
    price: int | None = BIG
    donor: str = Field("", max_length=100)
    description: str = Field("", max_length=300)
    is_active: bool = True


class NewGoodIn(Schema):
    community_id: int = ID
    name: str = Field("", max_length=100)
    price: int | None = BIG
    donor: str = Field("", max_length=100)
    description: str = Field("", max_length=300)


class StockInIn(Schema):
    quantity: int | None = BIG
    source: str = Field("", max_length=16)
    donor: str = Field("", max_length=100)
    reason: str = Field("", max_length=300)


class CorrectionIn(Schema):
    delta: int | None = BIG
    reason: str = Field("", max_length=300)


class StockEntryOut(Schema):
    id: int
    good_id: int
    kind: str
    delta: int
    note: str
    data: dict
    at: dt.datetime


class StaffRedemptionOut(RedemptionOut):
    person: str
    good: str
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_person(obj):
        return obj.person.display_name or obj.person.username

    @staticmethod
    def resolve_good(obj):
        return obj.good.name


def _created(schema, make):
    return lambda: schema.from_orm(make()).model_dump(mode="json")


@router.get("/points/communities/{community_id}/rules", response={200: list[RuleOut], **ERRORS},
            summary="社区积分规则（含本月已发放）")
def staff_rules(request, community_id: int = PATH_ID):
    return selectors.rules_of(_managed_community(request.user, community_id))


@router.post("/points/rules", response={201: RuleOut, **ERRORS}, summary="新增积分规则")
def staff_rule_create(request, payload: NewRuleIn):
    def make():
        community = _managed_community(request.user, payload.community_id)
        return services.save_rule(actor=request.user, community_id=community.pk,
                                  **payload.model_dump(exclude={"community_id"}))

    return run_idempotent(request, payload.model_dump(mode="json"), _created(RuleOut, make))


@router.put("/points/rules/{rule_id}", response={200: RuleOut, **ERRORS}, summary="修改积分规则")
def staff_rule_update(request, payload: RuleIn, rule_id: int = PATH_ID):
    rule = get_scoped(request.user, EarningRule.objects.all(), Verb.POINTS_MANAGE, pk=rule_id)
    return services.save_rule(actor=request.user, community_id=rule.community_id, rule_id=rule.pk,
                              **payload.model_dump())


@router.post("/points/rules/{rule_id}/active", response={200: RuleOut, **ERRORS}, summary="启用或停用积分规则")
def staff_rule_active(request, payload: RuleActiveIn, rule_id: int = PATH_ID):
    rule = get_scoped(request.user, EarningRule.objects.all(), Verb.POINTS_MANAGE, pk=rule_id)
    return services_staff.set_rule_active(actor=request.user, rule_id=rule.pk, active=payload.active,
                                          reason=payload.reason)


@router.get("/points/communities/{community_id}/goods", response={200: list[StaffGoodOut], **ERRORS},
            summary="社区积分超市商品（含下架，及保留中、已领取数）")
def staff_goods(request, community_id: int = PATH_ID):
    return selectors.goods_of(_managed_community(request.user, community_id))


@router.post("/points/goods", response={201: StaffGoodOut, **ERRORS}, summary="新增商品（库存另行入库）")
def staff_good_create(request, payload: NewGoodIn):
    def make():
        community = _managed_community(request.user, payload.community_id)
        return services.create_good(actor=request.user, community_id=community.pk,
                                    **payload.model_dump(exclude={"community_id"}))

    return run_idempotent(request, payload.model_dump(mode="json"), _created(StaffGoodOut, make))


@router.put("/points/goods/{good_id}", response={200: StaffGoodOut, **ERRORS}, summary="修改商品")
def staff_good_update(request, payload: GoodIn, good_id: int = PATH_ID):
    good = get_scoped(request.user, Good.objects.all(), Verb.POINTS_MANAGE, pk=good_id)
    return services_staff.update_good(actor=request.user, good_id=good.pk, **payload.model_dump())


@router.get("/points/goods/{good_id}/stock", response={200: list[StockEntryOut], **ERRORS}, summary="商品库存记录")
def staff_stock_history(request, good_id: int = PATH_ID):
    return selectors.stock_history(get_scoped(request.user, Good.objects.all(), Verb.POINTS_MANAGE, pk=good_id))


@router.post("/points/goods/{good_id}/stock-in", response={201: StockEntryOut, **ERRORS},
             summary="入库（单位捐赠或经费购买，须填事由）")
def staff_stock_in(request, payload: StockInIn, good_id: int = PATH_ID):
    def make():
        good = get_scoped(request.user, Good.objects.all(), Verb.POINTS_MANAGE, pk=good_id)
        return services_staff.stock_in(actor=request.user, good_id=good.pk, **payload.model_dump())

    return run_idempotent(request, {"good_id": good_id, **payload.model_dump(mode="json")},
                          _created(StockEntryOut, make))


@router.post("/points/goods/{good_id}/corrections", response={201: StockEntryOut, **ERRORS},
             summary="盘点调整或报损（须填原因）")
def staff_stock_correction(request, payload: CorrectionIn, good_id: int = PATH_ID):
    def make():
        good = get_scoped(request.user, Good.objects.all(), Verb.POINTS_MANAGE, pk=good_id)
        return services_staff.correct_stock(actor=request.user, good_id=good.pk, **payload.model_dump())

    return run_idempotent(request, {"good_id": good_id, **payload.model_dump(mode="json")},
                          _created(StockEntryOut, make))


@router.get("/points/communities/{community_id}/redemptions", response={200: list[StaffRedemptionOut], **ERRORS},
            summary="社区积分超市的兑换记录")
def staff_redemptions(request, community_id: int = PATH_ID,
                      status: str = Query("", max_length=16), good_id: int | None = Query(None, ge=1, le=2**63 - 1)):
    community = _managed_community(request.user, community_id)
    status = status if status in Redemption.Status.values else ""
    return list(selectors.staff_redemptions(request.user, community=community, status=status, good_id=good_id))
