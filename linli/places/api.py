"""Places, households, residents, dwellings and care tags. Every write calls a service in
linli.places.services; every read is scoped through linli.accounts.scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal, Union

from django.utils.translation import gettext_lazy as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from linli.accounts.roles import Verb
from linli.accounts.scope import allowed, get_scoped
from linli.core.errors import NotFound
from linli.core.idempotency import key_header, run_idempotent
from linli.core.schemas import ERRORS, MAX_ID, Id, PageIn, page, text

from . import selectors, services
from .models import CareTag, Dwelling, Household, Ownership, Place, Resident

router = Router(tags=["places"])



def PathId():  # noqa: N802 - reads like the type it stands for
    return Path(..., ge=1, le=MAX_ID)


Tenure = Literal[tuple(Household.Tenure.values)]
Gender = Literal[tuple(Resident.Gender.values)]
Relation = Literal[tuple(Resident.Relation.values)]
Coordinate = Annotated[float, Field(allow_inf_nan=False)]
Position = Annotated[list[Coordinate], Field(min_length=2, max_length=3, description="[经度, 纬度]")]
Ring = Annotated[list[Position], Field(min_length=4, max_length=5000, description="闭合环：首尾坐标相同")]


class PolygonIn(Schema):
    type: Literal["Polygon"]
    coordinates: Annotated[list[Ring], Field(min_length=1, max_length=50)]


class MultiPolygonIn(Schema):
    type: Literal["MultiPolygon"]
    coordinates: Annotated[list[Annotated[list[Ring], Field(min_length=1, max_length=50)]],
                           Field(min_length=1, max_length=50)]


Boundary = Annotated[Union[PolygonIn, MultiPolygonIn], Field(discriminator="type",
                                                             description="GeoJSON Polygon 或 MultiPolygon")]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


# ---------------------------------------------------------------- shapes


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
    boundary: dict | None

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


class PlaceCountsPageOut(Schema):
    items: list[PlaceCountsOut]
    count: int
    limit: int
    offset: int


class PlaceIn(Schema):
    parent_id: Id | None = Field(None, description="上级地点；省略表示顶级（仅管理员）")
    kind: text(32, multiline=False) = Field(..., description="层级代码，如 grid、compound、building、dwelling", examples=["compound"])
    name: text(100, min_length=1, multiline=False)
    code: text(32, multiline=False) = ""
    boundary: Boundary | None = None
    lat: Latitude | None = None
    lng: Longitude | None = None


class PlacePatchIn(Schema):
    """Only the fields sent are changed; boundary, lat and lng may be set to null."""

    name: text(100, min_length=1, multiline=False) = None
    code: text(32, multiline=False) = None
    boundary: Boundary | None = None
    lat: Latitude | None = None
    lng: Longitude | None = None


class MoveIn(Schema):
    new_parent_id: Id


class HouseholdIn(Schema):
    dwelling_id: Id
    tenure: Tenure = "owned"


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
    household_id: Id
    name: text(50, min_length=1, multiline=False)
    gender: Gender | None = Field(None, description="M 男 / F 女；有身份证号时可省略")
    birth_date: dt.date | None = None
    id_number: text(32, multiline=False) | None = None
    phone: text(20, multiline=False) | None = None
    relation: Relation = "other"
    lives_here: bool = True
    care_tags: list[text(32)] = Field(default_factory=list, max_length=20)


class ResidentPatchIn(Schema):
    """Only the fields sent are changed."""

    name: text(50, min_length=1, multiline=False) = None
    gender: Gender = None
    birth_date: dt.date = None
    id_number: text(32, multiline=False) = None
    phone: text(20, multiline=False) = None
    relation: Relation = None
    lives_here: bool = None
    care_tags: list[text(32)] = Field(None, max_length=20)


class ResidentOut(Schema):
    id: int
    household_id: int | None
    name: str
    gender: str
    birth_date: dt.date | None = Field(description="完整出生日期：仅对有权查看完整身份证号的角色提供，其他角色为 null")
    birth_year: int | None = Field(description="出生年份")
    id_number: str = Field(description="脱敏显示")
    phone: str = Field(description="脱敏显示")
    relation: str
    lives_here: bool
    care_tags: list[str]

    @staticmethod
    def resolve_birth_date(obj, context):
        # The exact date with the masked number narrows the number down (issue 10 §1): only
        # for roles that may unmask it anyway (through the audited reveal).
        request = (context or {}).get("request")
        if obj.birth_date is None or request is None or not allowed(request.user, Verb.RESIDENT_UNMASK, obj):
            return None
        return obj.birth_date

    @staticmethod
    def resolve_birth_year(obj):
        return obj.birth_date.year if obj.birth_date else None

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
    reason: text(200) = Field(..., description="查看原因（记入审计日志）")


class RevealOut(Schema):
    id_number: str
    phone: str


class OwnerOut(Schema):
    id: int
    owner_id: int
    owner_name: str
    share: str | None


class DwellingOut(Schema):
    id: int
    name: str
    path: str
    floor_area: str | None = Field(description="建筑面积（平方米），两位小数")
    owners: list[OwnerOut]


class DwellingPatchIn(Schema):
    floor_area: Decimal | None = Field(..., gt=0, lt=100000, max_digits=7, decimal_places=2,
                                       description="建筑面积（平方米）；null 表示清空")


class OwnerIn(Schema):
    owner_id: Id
    share: Decimal | None = Field(None, gt=0, le=1, max_digits=5, decimal_places=4, description="产权份额（0–1）")


class CareTagOut(Schema):
    code: str
    name: str

    @staticmethod
    def resolve_name(obj):
        return obj.label


def _place_json(place: Place) -> dict:
    return PlaceOut.from_orm(place).model_dump(mode="json")


def _counts_row(place, n) -> dict:
    return {"place": place, "households": n["households"], "residents": n["residents"], "care_tags": n["tags"]}


def _ownership_json(o: Ownership) -> dict:
    return {"id": o.pk, "owner_id": o.owner_id, "owner_name": o.owner.name,
            # As stored (four places), whether `o` was just created or read back.
            "share": None if o.share is None else str(Decimal(o.share).quantize(Decimal("0.0001")))}


def _dwelling_json(dwelling: Dwelling) -> dict:
    ownerships = dwelling.ownerships.select_related("owner").order_by("id")
    return {"id": dwelling.pk, "name": dwelling.place.name, "path": dwelling.place.path,
            "floor_area": None if dwelling.floor_area is None else str(dwelling.floor_area),
            "owners": [_ownership_json(o) for o in ownerships]}


def _round(value):
    # The columns keep six decimals; answer with what is stored, not the float sent.
    return None if value is None else round(value, 6)


# ---------------------------------------------------------------- places


@router.get("/places", response={200: list[PlaceCountsOut], **ERRORS}, summary="我可见的顶级地点")
def list_root_places(request):
    roots = selectors.place_roots(request.user)
    counts = selectors.counts_under(request.user, roots)
    return [_counts_row(p, counts[p.pk]) for p in roots]


@router.get("/places/{place_id}", response={200: PlaceOut, **ERRORS}, summary="地点详情")
def get_place(request, place_id: int = PathId()):
    return get_scoped(request.user, Place.objects.select_related("kind"), Verb.PLACE_VIEW, pk=place_id)


@router.get("/places/{place_id}/children", response={200: PlaceCountsPageOut, **ERRORS},
            summary="下级地点及户数、人数、关爱对象数（分页）")
def list_children(request, params: Query[PageIn], place_id: int = PathId()):
    place = get_scoped(request.user, Place.objects.select_related("kind"), Verb.PLACE_VIEW, pk=place_id)
    children = selectors.visible_places(request.user).filter(parent=place).order_by("path")
    result = page(children, params)
    counts = selectors.counts_under(request.user, result["items"])
    result["items"] = [_counts_row(c, counts[c.pk]) for c in result["items"]]
    return result


@router.post("/places", response={201: PlaceOut, **ERRORS}, summary="新建地点")
def create_place(request, payload: PlaceIn, idempotency_key: str | None = key_header()):
    def create():
        data = payload.model_dump()
        place = services.create_place(actor=request.user, parent_id=data["parent_id"], kind_code=data["kind"],
                                      name=data["name"], code=data["code"], boundary=data["boundary"],
                                      lat=_round(data["lat"]), lng=_round(data["lng"]))
        return _place_json(place)

    return run_idempotent(request, payload.model_dump(mode="json"), create)


@router.patch("/places/{place_id}", response={200: PlaceOut, **ERRORS}, summary="修改地点（名称、代码、边界、坐标）")
def update_place(request, payload: PlacePatchIn, place_id: int = PathId()):
    changes = payload.model_dump(exclude_unset=True)
    for field in ("lat", "lng"):
        if field in changes:
            changes[field] = _round(changes[field])
    place = services.update_place(actor=request.user, place_id=place_id, **changes)
    return Place.objects.select_related("kind").get(pk=place.pk)


@router.post("/places/{place_id}/move", response={200: PlaceOut, **ERRORS}, summary="移动地点（连同下级）")
def move_place(request, payload: MoveIn, place_id: int = PathId()):
    return services.move_place(actor=request.user, place_id=place_id, new_parent_id=payload.new_parent_id)


# ---------------------------------------------------------------- dwellings


def _scoped_dwelling(request, dwelling_id: int, verb: str) -> Dwelling:
    place = get_scoped(request.user, Place.objects.select_related("kind"), verb, pk=dwelling_id)
    dwelling = Dwelling.objects.select_related("place").filter(place=place).first()
    if dwelling is None:
        raise NotFound(_("该地点不是房屋"), code="not_a_dwelling")
    return dwelling


@router.get("/dwellings/{dwelling_id}", response={200: DwellingOut, **ERRORS}, summary="房屋：面积与业主")
def get_dwelling(request, dwelling_id: int = PathId()):
    return _dwelling_json(_scoped_dwelling(request, dwelling_id, Verb.HOUSEHOLD_VIEW))


@router.patch("/dwellings/{dwelling_id}", response={200: DwellingOut, **ERRORS}, summary="修改房屋建筑面积")
def update_dwelling(request, payload: DwellingPatchIn, dwelling_id: int = PathId()):
    dwelling = services.set_dwelling_area(actor=request.user, dwelling_id=dwelling_id, floor_area=payload.floor_area)
    return _dwelling_json(dwelling)


@router.post("/dwellings/{dwelling_id}/owners", response={201: OwnerOut, **ERRORS}, summary="登记业主")
def add_owner(request, payload: OwnerIn, dwelling_id: int = PathId(), idempotency_key: str | None = key_header()):
    def create():
        ownership = services.add_owner(actor=request.user, dwelling_id=dwelling_id, owner_id=payload.owner_id,
                                       share=payload.share)
        return _ownership_json(ownership)

    return run_idempotent(request, payload.model_dump(mode="json"), create)


# ---------------------------------------------------------------- households and residents


@router.post("/households", response={201: HouseholdOut, **ERRORS}, summary="登记住户")
def create_household(request, payload: HouseholdIn, idempotency_key: str | None = key_header()):
    def create():
        household = services.create_household(actor=request.user, dwelling_id=payload.dwelling_id,
                                              tenure=payload.tenure)
        return HouseholdOut.from_orm(household).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), create)


@router.get("/households/{household_id}", response={200: HouseholdOut, **ERRORS}, summary="住户详情")
def get_household(request, household_id: int = PathId()):
    return get_scoped(request.user, Household.objects.select_related("dwelling"), Verb.HOUSEHOLD_VIEW,
                      pk=household_id)


@router.get("/households/{household_id}/members", response={200: list[ResidentOut], **ERRORS},
            summary="住户成员（脱敏）")
def list_members(request, household_id: int = PathId()):
    household = get_scoped(request.user, Household.objects.all(), Verb.HOUSEHOLD_VIEW, pk=household_id)
    return selectors.household_members(request.user, household)


@router.post("/residents", response={201: ResidentOut, **ERRORS}, summary="登记居民")
def create_resident(request, payload: ResidentIn, idempotency_key: str | None = key_header()):
    def create():
        data = payload.model_dump()
        household_id = data.pop("household_id")
        resident = services.create_resident(actor=request.user, household_id=household_id, **data)
        return ResidentOut.from_orm(resident, context={"request": request}).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), create)


@router.get("/residents/{resident_id}", response={200: ResidentOut, **ERRORS}, summary="居民详情（脱敏）")
def get_resident(request, resident_id: int = PathId()):
    return get_scoped(request.user, Resident.objects.prefetch_related("care_tags"), Verb.RESIDENT_VIEW,
                      pk=resident_id)


@router.patch("/residents/{resident_id}", response={200: ResidentOut, **ERRORS}, summary="修改居民信息")
def update_resident(request, payload: ResidentPatchIn, resident_id: int = PathId()):
    resident = services.update_resident(actor=request.user, resident_id=resident_id,
                                        **payload.model_dump(exclude_unset=True))
    return Resident.objects.prefetch_related("care_tags").get(pk=resident.pk)


@router.post("/residents/{resident_id}/reveal", response={200: RevealOut, **ERRORS},
             summary="查看完整身份证号和电话（记入审计）")
def reveal_resident(request, payload: RevealIn, resident_id: int = PathId()):
    return services.reveal_resident_pii(actor=request.user, resident_id=resident_id, reason=payload.reason)


@router.get("/care-tags", response={200: list[CareTagOut], **ERRORS}, summary="关爱标签")
def list_care_tags(request):
    return selectors.active_care_tags()
