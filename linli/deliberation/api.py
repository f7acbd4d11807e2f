"""The votes API: set-up, life cycle, online ballots, results. Paper and proxy ballots (with
their scans and powers of attorney) are entered on the staff pages."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Body, Path, Query, Router, Schema
from pydantic import Field

from linli.core.idempotency import run_idempotent
from linli.core.schemas import ERRORS, MAX_ID, Id

from . import selectors, services
from .models import Vote

router = Router(tags=["deliberation"])
PATH_ID = Path(..., ge=1, le=MAX_ID)


class MatterIn(Schema):
    title: str = Field(..., max_length=200)
    kind: str = Field("ordinary", max_length=16, description="ordinary | special | choice | election")
    seats: int = Field(0, ge=0, le=99)
    options: list[str] = Field(default_factory=list, max_length=50, description="选项或候选人")
    pass_num: int | None = Field(None, ge=0, le=1000)
    pass_den: int | None = Field(None, ge=1, le=1000)
    pass_strict: bool = True


class VoteIn(Schema):
    place_id: int = Field(..., ge=1, le=MAX_ID)
    kind: str = Field(..., max_length=16, description="owners | household | resident")
    title: str = Field(..., max_length=160)
    description: str = Field("", max_length=5000)
    matters: list[MatterIn] = Field(..., min_length=1, max_length=20)
    building_ids: list[Id] = Field(default_factory=list, max_length=200)
    quorum_num: int | None = Field(None, ge=0, le=1000)
    quorum_den: int | None = Field(None, ge=1, le=1000)
    deemed_follow_majority: bool = False
    precedence: str = Field("paper_first", max_length=16)
    allow_change: bool = True
    tie_break: str = Field("area", max_length=16)
    results_hidden: bool = True
    secret: bool = False
    min_age: int = Field(18, ge=0, le=150)
    objection_days: int = Field(7, ge=0, le=365)


class NoticeIn(Schema):
    opens_at: dt.datetime
    closes_at: dt.datetime
    extension_limit: dt.datetime | None = None


class ExtendIn(Schema):
    closes_at: dt.datetime
    reason: str = Field(..., max_length=500)


class BallotIn(Schema):
    choices: dict[str, list[int]] = Field(..., description="{事项编号: [选项编号]}")
    elector_id: int | None = Field(None, ge=1, le=MAX_ID)


class VoteOut(Schema):
    id: int
    title: str
    kind: str
    status: str
    status_label: str
    place_id: int
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    extended: bool
    frozen: dict

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())


class BallotOut(Schema):
    id: int
    receipt: str
    channel: str
    at: dt.datetime


class VoteFilter(Schema):
    status: str | None = Field(None, max_length=16)
    limit: int = Field(50, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10_000_000)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _vote_settings(p: VoteIn) -> dict:
    s = {k: getattr(p, k) for k in ("deemed_follow_majority", "precedence", "allow_change", "tie_break",
                                     "results_hidden", "secret", "min_age", "objection_days", "description")}
    if p.quorum_num is not None and p.quorum_den is not None:
        s.update(quorum_num=p.quorum_num, quorum_den=p.quorum_den)
    return s


@router.get("/votes", response={200: list[VoteOut], **ERRORS}, summary="我可见的表决")
def list_votes(request, filters: Query[VoteFilter]):
    qs = selectors.votes_list(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.order_by("-id")[filters.offset: filters.offset + filters.limit]


@router.post("/votes", response={201: VoteOut, **ERRORS}, summary="新建表决（草稿）")
def create_vote(request, payload: VoteIn):
    def create():
        matters = [{"title": m.title, "kind": m.kind, "seats": m.seats, "options": m.options,
                    **({"pass": [m.pass_num, m.pass_den, m.pass_strict]}
                       if m.pass_num is not None and m.pass_den is not None else {})}
                   for m in payload.matters]
        settings = _vote_settings(payload)
        description = settings.pop("description")
        vote = services.create_vote(actor=request.user, place_id=payload.place_id, kind=payload.kind,
                                    title=payload.title, matters=matters, building_ids=payload.building_ids,
                                    description=description, **settings)
        return VoteOut.from_orm(vote).model_dump(mode="json")

    return run_idempotent(request, payload.dict(), create)


@router.get("/votes/{vote_id}", response={200: VoteOut, **ERRORS}, summary="表决详情")
def get_vote(request, vote_id: int = PATH_ID):
    return selectors.vote_for(request.user, vote_id)


@router.post("/votes/{vote_id}/notice", response={200: VoteOut, **ERRORS}, summary="发布公告并冻结名册和规则")
def publish_notice(request, payload: NoticeIn, vote_id: int = PATH_ID):
    return services.publish_notice(actor=request.user, vote_id=vote_id, opens_at=_aware(payload.opens_at),
                                   closes_at=_aware(payload.closes_at),
                                   extension_limit=_aware(payload.extension_limit))


def _step(path: str, summary: str, fn):
    @router.post(f"/votes/{{vote_id}}/{path}", response={200: VoteOut, **ERRORS}, summary=summary,
                 operation_id=f"vote_{path}")
    def endpoint(request, vote_id: int = PATH_ID):
        return fn(actor=request.user, vote_id=vote_id)


_step("open", "开始投票", services.open_vote)
_step("close", "截止并计票", services.close_vote)
_step("preliminary", "公示初步结果（询异）", services.publish_preliminary)
_step("final", "确定最终结果", services.finalise_vote)


@router.post("/votes/{vote_id}/extend", response={200: VoteOut, **ERRORS}, summary="延期（仅一次）")
def extend_vote(request, payload: ExtendIn, vote_id: int = PATH_ID):
    return services.extend_vote(actor=request.user, vote_id=vote_id, closes_at=_aware(payload.closes_at),
                                reason=payload.reason)


@router.post("/votes/{vote_id}/ballots", response={201: BallotOut, **ERRORS}, summary="网络投票")
def cast_ballot(request, payload: BallotIn, vote_id: int = PATH_ID):
    def create():
        b = services.cast_online_ballot(actor=request.user, vote_id=vote_id, choices=payload.choices,
                                        elector_id=payload.elector_id)
        return {"id": b.pk, "receipt": b.receipt, "channel": b.kind, "at": b.at.isoformat()}

    return run_idempotent(request, payload.dict(), create)


@router.get("/votes/{vote_id}/results", response={200: dict, **ERRORS}, summary="表决结果（截止后公布）")
def vote_results(request, vote_id: int = PATH_ID):
    vote = selectors.vote_for(request.user, vote_id)
    return selectors.results(request.user, vote)


class ScanIn(Schema):
    nonce: str = Field(..., min_length=8, max_length=64)
    scanned_at: dt.datetime
    ticket: str = Field("", max_length=64, description="二维码内容（签到码）")
    resident_id: int | None = Field(None, ge=1, le=MAX_ID, description="无签到码时（工作人员代签）")
    method: str = Field("qr", max_length=8)


class ScanOut(Schema):
    nonce: str
    ok: bool
    result: str = Field(..., description="accepted | duplicate | failed")
    person: str | None = None
    message: str = ""


@router.post("/meetings/{meeting_id}/sign-ins", response={200: list[ScanOut], **ERRORS},
             summary="上传签到（离线扫码排队，按唯一标识只计一次）")
def upload_sign_ins(request, scans: list[ScanIn] = Body(..., max_length=500), meeting_id: int = PATH_ID):
    from . import services_sign_in

    return services_sign_in.upload_scans(actor=request.user, meeting_id=meeting_id,
                                         scans=[s.model_dump() for s in scans])


class MeetingIn(Schema):
    place_id: int = Field(..., ge=1, le=MAX_ID)
    kind: str = Field(..., max_length=16, description="courtyard | weekend | council | joint | owners")
    title: str = Field(..., max_length=160)
    starts_at: dt.datetime
    venue: str = Field("", max_length=120)
    topic_ids: list[Id] = Field(default_factory=list, max_length=50)
    household_ids: list[Id] = Field(default_factory=list, max_length=5000)
    owners_invited: bool = Field(False, description="邀请业主（所选楼栋的，未选楼栋则为整个地点的）")
    owner_building_ids: list[Id] = Field(default_factory=list, max_length=200)
    organisation_ids: list[Id] = Field(default_factory=list, max_length=50)


class MeetingOut(Schema):
    id: int
    title: str
    kind: str
    status: str
    starts_at: dt.datetime
    venue: str
    owners_invited: bool
    invitees: int | None = Field(None, description="收到通知的人数")


@router.post("/meetings", response={201: MeetingOut, **ERRORS}, summary="筹备会议（邀请住户、业主或单位）")
def create_meeting(request, payload: MeetingIn):
    from . import services_meetings

    def create():
        m = services_meetings.create_meeting(actor=request.user, **payload.model_dump())
        out = MeetingOut.from_orm(m).model_dump(mode="json")
        out["invitees"] = services_meetings.invitees(m).count()
        return out

    return run_idempotent(request, payload.dict(), create)


@router.get("/meetings/invited", response={200: list[MeetingOut], **ERRORS}, summary="我受邀参加的会议（已通知、未召开）")
def invited_meetings(request):
    from . import selectors_meetings

    return selectors_meetings.invited_meetings(request.user, limit=50)


__all__ = ["router", "Vote"]
