from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Router, Schema
from pydantic import Field

from linli.accounts.roles import Verb
from linli.accounts.scope import get_scoped
from linli.core.idempotency import run_idempotent
from linli.core.schemas import ERRORS

from . import selectors, services
from .models import Household, Place, Resident

router = Router(tags=["places"])


class PlaceOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    code: str
    path: str
    depth: int
    parent_id: int | None
    lat: float | None
    lng: float | None

    @staticmethod
    def resolve_kind(obj):
        return obj.kind.code

    @staticmethod
    def resolve_kind_label(obj):
        return obj.kind.label


class PlaceCountsOut(Schema):
    place: PlaceOut
    households: int
    residents: int
    care_tags: dict[str, int]


class PlaceIn(Schema):
    parent_id: int | None = Field(None, description="上级地点；省略表示顶级（仅管理员）")
    kind: str = Field(..., max_length=32, description="层级代码，如 grid、compound、building")
    name: str = Field(..., max_length=100)
    code: str = Field("", max_length=32)
    boundary: dict[str, Any] | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)


class MoveIn(Schema):
    new_parent_id: int


class HouseholdIn(Schema):
    dwelling_id: int
    tenure: str = Field("owned", max_length=16)


class HouseholdOut(Schema):
    id: int
    dwelling_id: int
    dwelling_name: str
    tenure: str
    head_id: int | None

    @staticmethod
    def resolve_dwelling_name(obj):
        return obj.dwelling.name


class ResidentIn(Schema):
    household_id: int
    name: str = Field(..., max_length=50)
    gender: str | None = Field(None, max_length=1)
    birth_date: dt.date | None = None
    id_number: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=20)
    relation: str = Field("other", max_length=16)
    lives_here: bool = True
    care_tags: list[str] = Field(default_factory=list, max_length=20)


class ResidentOut(Schema):
    id: int
    household_id: int | None
    name: str
    gender: str
    birth_date: dt.date | None
    id_number: str = Field(description="脱敏显示")
    phone: str = Field(description="脱敏显示")
    relation: str
    lives_here: bool
    care_tags: list[str]

    @staticmethod
    def resolve_id_number(obj):
        return obj.id_number_masked

    @staticmethod
    def resolve_phone(obj):
        return obj.phone_masked

    @staticmethod
    def resolve_care_tags(obj):
        return [t.code for t in obj.care_tags.all()]


class RevealIn(Schema):
    reason: str = Field(..., max_length=200, description="查看原因（记入审计日志）")


class RevealOut(Schema):
    id_number: str
    phone: str


def _place_json(place: Place) -> dict:
    return PlaceOut.from_orm(place).model_dump(mode="json")


@router.get("/places", response={200: list[PlaceCountsOut], **ERRORS}, summary="我可见的顶级地点")
def list_root_places(request):
    roots = selectors.place_roots(request.user)
    counts = selectors.counts_under(request.user, roots)
    return [{"place": p, "households": counts[p.pk]["households"], "residents": counts[p.pk]["residents"],
             "care_tags": counts[p.pk]["tags"]} for p in roots]


@router.get("/places/{place_id}", response={200: PlaceOut, **ERRORS}, summary="地点详情")
def get_place(request, place_id: int):
    return get_scoped(request.user, Place.objects.select_related("kind"), Verb.PLACE_VIEW, pk=place_id)


@router.get("/places/{place_id}/children", response={200: list[PlaceCountsOut], **ERRORS},
            summary="下级地点及户数、人数、关爱对象数")
def list_children(request, place_id: int):
    place = get_scoped(request.user, Place.objects.select_related("kind"), Verb.PLACE_VIEW, pk=place_id)
    return [{"place": c, "households": n["households"], "residents": n["residents"], "care_tags": n["tags"]}
            for c, n in selectors.children_with_counts(request.user, place)]


@router.post("/places", response={201: PlaceOut, **ERRORS}, summary="新建地点")
def create_place(request, payload: PlaceIn):
    def create():
        place = services.create_place(actor=request.user, parent_id=payload.parent_id, kind_code=payload.kind,
                                      name=payload.name, code=payload.code, boundary=payload.boundary,
                                      lat=payload.lat, lng=payload.lng)
        return _place_json(place)

    return run_idempotent(request, payload.model_dump(mode="json"), create)


@router.post("/places/{place_id}/move", response={200: PlaceOut, **ERRORS}, summary="移动地点（连同下级）")
def move_place(request, place_id: int, payload: MoveIn):
    return services.move_place(actor=request.user, place_id=place_id, new_parent_id=payload.new_parent_id)


@router.post("/households", response={201: HouseholdOut, **ERRORS}, summary="登记住户")
def create_household(request, payload: HouseholdIn):
    def create():
        household = services.create_household(actor=request.user, dwelling_id=payload.dwelling_id,
                                              tenure=payload.tenure)
        return HouseholdOut.from_orm(household).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), create)


@router.get("/households/{household_id}", response={200: HouseholdOut, **ERRORS}, summary="住户详情")
def get_household(request, household_id: int):
    return get_scoped(request.user, Household.objects.select_related("dwelling"), Verb.HOUSEHOLD_VIEW,
                      pk=household_id)


@router.get("/households/{household_id}/members", response={200: list[ResidentOut], **ERRORS},
            summary="住户成员（脱敏）")
def list_members(request, household_id: int):
    household = get_scoped(request.user, Household.objects.all(), Verb.HOUSEHOLD_VIEW, pk=household_id)
    return selectors.household_members(request.user, household)


@router.post("/residents", response={201: ResidentOut, **ERRORS}, summary="登记居民")
def create_resident(request, payload: ResidentIn):
    def create():
        data = payload.model_dump()
        household_id = data.pop("household_id")
        resident = services.create_resident(actor=request.user, household_id=household_id, **data)
        return ResidentOut.from_orm(resident).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), create)


@router.get("/residents/{resident_id}", response={200: ResidentOut, **ERRORS}, summary="居民详情（脱敏）")
def get_resident(request, resident_id: int):
    return get_scoped(request.user, Resident.objects.prefetch_related("care_tags"), Verb.RESIDENT_VIEW,
                      pk=resident_id)


@router.post("/residents/{resident_id}/reveal", response={200: RevealOut, **ERRORS},
             summary="查看完整身份证号和电话（记入审计）")
def reveal_resident(request, resident_id: int, payload: RevealIn):
    return services.reveal_resident_pii(actor=request.user, resident_id=resident_id, reason=payload.reason)
