"""Activities API: list and sign up, offers, cancellation, capacity, the scanner's upload
of queued scans, self check-in, hours."""

import datetime as dt

from ninja import Path, Router, Schema
from pydantic import Field

from linli.accounts.roles import Verb
from linli.accounts.scope import require
from linli.core.errors import NotFound
from linli.core.idempotency import run_idempotent
from linli.core.schemas import ERRORS

from . import selectors, services
from .models import Activity

router = Router(tags=["activities"])
PATH_ID = Path(..., ge=1, le=2**63 - 1)


class ActivityOut(Schema):
    id: int
    title: str
    kind: str
    organiser_name: str
    venue: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    points: int
    service_minutes: int
    used: int | None = None
    waiting: int | None = None


class ActivityIn(Schema):
    place_id: int = Field(..., ge=1, le=2**63 - 1)
    kind: str = Field(..., max_length=16)
    title: str = Field(..., max_length=100)
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int = Field(0, ge=0, le=100000)
    organiser_name: str = Field("", max_length=100)
    organiser_kind: str = Field("community", max_length=16)
    description: str = Field("", max_length=5000)
    venue: str = Field("", max_length=100)
    signup_opens_at: dt.datetime | None = None
    signup_closes_at: dt.datetime | None = None
    points: int = Field(0, ge=0, le=10000)
    service_minutes: int = Field(0, ge=0, le=1440)
    offer_minutes: int = Field(120, ge=5, le=10080)
    audience_tags: list[str] = Field([], max_length=20, description="仅面向这些关爱标签（代码）的居民；空为不限")
    for_party_members: bool = False
    for_volunteers: bool = False


class ParticipationOut(Schema):
    id: int
    activity_id: int
    status: str
    offer_expires_at: dt.datetime | None
    checked_in_at: dt.datetime | None
    verified_minutes: int | None


class CapacityIn(Schema):
    capacity: int = Field(..., ge=1, le=100000)


class ReasonIn(Schema):
    reason: str = Field("", max_length=300)


class ScanIn(Schema):
    nonce: str = Field(..., min_length=8, max_length=64)
    ticket: str = Field("", max_length=64)
    scanned_at: dt.datetime


class ScansIn(Schema):
    scans: list[ScanIn] = Field(..., max_length=500)


class ScanOut(Schema):
    nonce: str
    result: str
    person: str | None = None

    @staticmethod
    def resolve_person(obj):
        p = obj.participation
        return (p.person.display_name or p.person.username) if p is not None else None


class CodeIn(Schema):
    code: str = Field(..., max_length=12)


class MinutesIn(Schema):
    minutes: int | None = Field(None, ge=0, le=1440)


def _activity(activity_id: int) -> Activity:
    found = Activity.objects.filter(pk=activity_id).first()
    if found is None:
        raise NotFound("未找到该活动", code="not_found")
    return found


@router.get("/activities", response={200: list[ActivityOut], **ERRORS}, summary="面向我的活动")
def list_activities(request):
    return list(selectors.for_person(request.user))


@router.post("/activities", response={201: ActivityOut, **ERRORS}, summary="发布活动")
def create_activity(request, payload: ActivityIn):
    def create():
        a = services.create_activity(actor=request.user, **payload.model_dump())
        return ActivityOut.from_orm(a).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), create)


@router.post("/activities/{activity_id}/signup", response={200: ParticipationOut, **ERRORS}, summary="报名")
def sign_up(request, activity_id: int = PATH_ID):
    return services.sign_up(actor=request.user, activity_id=activity_id)


@router.post("/activities/{activity_id}/capacity", response={200: ActivityOut, **ERRORS}, summary="调整名额")
def set_capacity(request, payload: CapacityIn, activity_id: int = PATH_ID):
    return services.set_capacity(actor=request.user, activity_id=activity_id, capacity=payload.capacity)


@router.get("/activities/{activity_id}/participants", response={200: list[ParticipationOut], **ERRORS},
            summary="报名名单")
def participants(request, activity_id: int = PATH_ID):
    activity = _activity(activity_id)
    require(request.user, Verb.ACTIVITY_CHECKIN, activity)
    return list(selectors.participants(activity))


@router.post("/activities/{activity_id}/scans", response={200: list[ScanOut], **ERRORS},
             summary="上传扫码签到（离线队列，按扫码编号只接受一次）")
def upload_scans(request, payload: ScansIn, activity_id: int = PATH_ID):
    return services.upload_scans(actor=request.user, activity_id=activity_id,
                                 scans=[s.model_dump() for s in payload.scans])


@router.post("/activities/{activity_id}/self-checkin", response={200: ScanOut, **ERRORS}, summary="现场签到码签到")
def self_check_in(request, payload: CodeIn, activity_id: int = PATH_ID):
    return services.self_check_in(actor=request.user, activity_id=activity_id, code=payload.code)


@router.post("/participations/{participation_id}/cancel", response={200: ParticipationOut, **ERRORS},
             summary="取消报名")
def cancel(request, payload: ReasonIn, participation_id: int = PATH_ID):
    return services.cancel(actor=request.user, participation_id=participation_id, reason=payload.reason)


@router.post("/participations/{participation_id}/accept", response={200: ParticipationOut, **ERRORS},
             summary="确认递补名额")
def accept(request, participation_id: int = PATH_ID):
    return services.accept_offer(actor=request.user, participation_id=participation_id)


@router.post("/participations/{participation_id}/checkout", response={200: ParticipationOut, **ERRORS},
             summary="签退")
def check_out(request, participation_id: int = PATH_ID):
    return services.check_out(actor=request.user, participation_id=participation_id)


@router.post("/participations/{participation_id}/verify-hours", response={200: ParticipationOut, **ERRORS},
             summary="核定服务时长")
def verify_hours(request, payload: MinutesIn, participation_id: int = PATH_ID):
    return services.verify_hours(actor=request.user, participation_id=participation_id, minutes=payload.minutes)


@router.get("/participations/mine", response={200: list[ParticipationOut], **ERRORS}, summary="我的报名")
def mine(request):
    return list(selectors.my_participations(request.user)[:200])


