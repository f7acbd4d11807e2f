"""Points API: my accounts and history, the shop, redemption, the counter's scan, manual
awards and corrections for staff."""

import datetime as dt

from ninja import Path, Query, Router, Schema
from pydantic import Field

from linli.core.idempotency import run_idempotent
from linli.core.schemas import ERRORS
from linli.places.models import Place

from . import selectors, services

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
    person_id: int = ID
    community_id: int = ID
    points: int = Field(..., ge=1, le=1000000)
    reason: str = Field(..., max_length=300)
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
