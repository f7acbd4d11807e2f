import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from ninja import File, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from linli.accounts.display import AS_RESIDENT, AS_STAFF, display_name_for
from linli.accounts.roles import Verb
from linli.accounts.scope import get_scoped
from linli.core.errors import Invalid
from linli.core.idempotency import run_idempotent
from linli.core.schemas import ERRORS, choice_label, dump
from linli.core.schemas import text as FreeText
from linli.places.models import Place

from . import rules, selectors, services
from .models import Case, CaseEvent, Category
from .photos import MAX_BYTES as MAX_PHOTO_BYTES
from .views_figures import supervised_place

router = Router(tags=["cases"])

ID = Field(..., ge=1, le=2**63 - 1)
PATH_ID = Path(..., ge=1, le=2**63 - 1)


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    parent: str | None
    accept_hours: int
    finish_days: int
    default_level: str

    @staticmethod
    def resolve_parent(obj):
        return obj.parent.code if obj.parent_id else None


class CaseIn(Schema):
    text: FreeText(2000, description="问题描述")
    place_id: int | None = Field(None, ge=1, le=2**63 - 1)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    category: str | None = Field(None, max_length=48, description="类别代码；省略则自动建议")
    channel: str = Field("resident", max_length=16)
    contact_name: FreeText(50, multiline=False) = ""
    contact_phone: str = Field("", max_length=20)
    is_public: bool = False
    priority: int = Field(1, ge=1, le=3)


class EventOut(Schema):
    kind: str
    kind_label: str
    actor: str | None
    at: dt.datetime
    note: str
    is_internal: bool

    @staticmethod
    def resolve_kind_label(obj):
        return choice_label(obj, "kind")

    @staticmethod
    def resolve_actor(obj, context):
        # One rule with the pages: residents' own events name them only to the case's handlers.
        if not obj.actor_id:
            return None
        request = (context or {}).get("request")
        return display_name_for(getattr(request, "user", None), obj.actor,
                                AS_RESIDENT if obj.kind in CaseEvent.RESIDENT_SIDE else AS_STAFF, over=obj.case)


class CaseOut(Schema):
    id: int
    number: str
    status: str
    status_label: str
    level: str
    category: str
    category_name: str
    text: str
    place_id: int
    place_name: str
    channel: str
    is_public: bool
    priority: int
    card: int
    created_at: dt.datetime
    accept_due: dt.datetime
    finish_due: dt.datetime
    outcome: str
    rating: str
    reopened_count: int

    @staticmethod
    def resolve_status_label(obj):
        return choice_label(obj, "status")

    @staticmethod
    def resolve_category(obj):
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj):
        return obj.category.label

    @staticmethod
    def resolve_place_name(obj):
        return obj.place.name


class CaseDetailOut(CaseOut):
    timeline: list[EventOut]
    actions: list[str] = Field([], description="此刻调用方可执行的操作（与页面按钮同一规则）")


class NoteIn(Schema):
    text: FreeText(2000)


class ReasonIn(Schema):
    reason: FreeText(2000)


class ReferIn(Schema):
    organisation_id: int = ID
    reason: FreeText(2000)
    from_level: str | None = Field(None, max_length=16, description="调用方看到的办理层级；已被他人移动则 409")


class CohandleIn(Schema):
    organisation_ids: list[int] = Field(..., min_length=1, max_length=20)
    instruction: FreeText(500) = ""
    days: int | None = Field(None, ge=1, le=365)


class AnswerIn(Schema):
    answer: FreeText(2000)


class CloseIn(Schema):
    outcome: str = Field(..., max_length=16)
    note: FreeText(2000) = ""


class RateIn(Schema):
    rating: str = Field(..., max_length=16)
    solved: bool | None = None
    comment: FreeText(500) = ""
    return_visit: bool = False


class MergeIn(Schema):
    into_id: int = ID
    note: FreeText(2000) = ""


class DuplicateOut(Schema):
    case: CaseOut
    score: float


class FiguresOut(Schema):
    received: int
    merged: int
    accepted: int
    accepted_on_time: int
    contacted_on_time: int
    due: int
    closed_of_due: int
    closed_on_time: int
    rated: int
    satisfied: int
    solved_asked: int
    solved: int
    reopened: int
    accepted_on_time_rate: float | None
    response_rate: float | None
    closing_rate: float | None
    closed_on_time_rate: float | None
    satisfaction_rate: float | None
    solved_rate: float | None


class HotSpotOut(Schema):
    place_id: int
    place_name: str
    category: str
    category_name: str
    count: int


class CaseFilter(Schema):
    status: str | None = Field(None, max_length=16)
    category: str | None = Field(None, max_length=48)
    under: int | None = Field(None, ge=1, le=2**63 - 1, description="地点（含下级）")
    mine: bool = Field(False, description="只看我反映的")
    public: bool = Field(False, description="公开诉求（任何地点），而不是我管辖范围内的诉求")
    days: int | None = Field(None, ge=1, le=3660, description="近若干天内提交的")
    overdue: bool = Field(False, description="只看超期")
    carded: bool = Field(False, description="只看督办（黄牌、红牌）")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10**7)


def _detail(user, case: Case) -> Case:
    """The case with the timeline this user may see (CaseDetailOut.timeline reads it)."""
    case.timeline = selectors.timeline(user, case)
    case.actions = [verb for verb, ok in rules.abilities(user, case).items() if ok]
    return case


def _get_case(request, case_id: int) -> Case:
    return get_scoped(request.user, Case.objects.select_related("category", "place"), Verb.CASE_VIEW, pk=case_id)


def _period(days: int) -> selectors.Period:
    return selectors.Period.days(days)


@router.get("/categories", response={200: list[CategoryOut], **ERRORS}, summary="诉求类别")
def list_categories(request):
    return Category.objects.filter(is_active=True).select_related("parent")


@router.get("/cases", response={200: list[CaseOut], **ERRORS}, summary="诉求列表（我管辖的、公开的或我反映的）")
def list_cases(request, filters: Query[CaseFilter]):
    under = None
    if filters.under:
        under = get_scoped(request.user, Place.objects.all(), Verb.CASE_VIEW, pk=filters.under).path
    qs = selectors.case_list(request.user, status=filters.status, category=filters.category, under=under,
                             days=filters.days, overdue=filters.overdue, carded=filters.carded,
                             mine=filters.mine, public=filters.public)
    return qs[filters.offset: filters.offset + filters.limit]


@router.get("/cases/queue", response={200: list[CaseOut], **ERRORS}, summary="我的待办（按期限排序）")
def my_queue(request, limit: int = Query(100, ge=1, le=500)):
    return selectors.queue_for(request.user)[:limit]


@router.post("/cases", response={201: CaseDetailOut, **ERRORS}, summary="提交诉求")
def submit(request, payload: CaseIn):
    def create():
        case = services.submit_case(actor=request.user, text=payload.text, channel=payload.channel,
                                    place_id=payload.place_id, lat=payload.lat, lng=payload.lng,
                                    category_code=payload.category, contact_name=payload.contact_name,
                                    contact_phone=payload.contact_phone, is_public=payload.is_public,
                                    priority=payload.priority,
                                    # run_idempotent's transaction rolls back as a whole on failure
                                    savepoint=False)
        # A case just created has only its opening events, none internal: no need to read
        # them back or ask the scope module which of them the reporter may see.
        case.timeline = case.opening_events
        # The answer is built from what was just written (no validation of our own values:
        # linli.core.schemas.dump, tested equal to from_orm's answer).
        return dump(CaseDetailOut, case)

    return run_idempotent(request, payload.model_dump(mode="json"), create)


class SuggestQuery(Schema):
    text: str = Field(..., min_length=1, max_length=2000, description="问题描述")
    k: int = Field(3, ge=1, le=10, description="返回几个类别")


class SuggestionOut(Schema):
    category: CategoryOut
    probability: float = Field(..., description="模型给出的概率（无模型时为关键词得分占比）")


@router.get("/cases/suggest", response={200: list[SuggestionOut], **ERRORS},
            summary="按描述建议类别（按可能性排序，含概率）")
def suggest_case_categories(request, q: Query[SuggestQuery]):
    from linli.triage.suggest import suggest_categories

    return [{"category": c, "probability": round(float(p), 4)} for c, p in suggest_categories(q.text, q.k)]


class SimilarQuery(Schema):
    text: FreeText(2000, min_length=1)
    place_id: int | None = Field(None, ge=1, le=2**63 - 1)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    exclude: int | None = Field(None, ge=1, le=2**63 - 1, description="排除的诉求（合并时的当前诉求）")


@router.get("/cases/similar", response={200: list[DuplicateOut], **ERRORS},
            summary="可能重复的诉求（同一小区或100米内、内容相近、未办结）")
def similar_cases(request, q: Query[SimilarQuery]):
    place = None
    if q.place_id is not None:
        place = Place.objects.filter(pk=q.place_id).first()
        if place is None:
            raise Invalid(_("地点不存在"), code="not_found", field="place_id")
    if place is None and (q.lat is None or q.lng is None):
        raise Invalid(_("请选择地点或在地图上标注位置"), code="required", field="place_id")
    found = selectors.similar_open_cases(request.user, text=q.text, place=place, lat=q.lat, lng=q.lng,
                                         exclude_id=q.exclude, limit=3)
    return [{"case": c, "score": c.similarity} for c in found]


@router.get("/cases/{case_id}", response={200: CaseDetailOut, **ERRORS}, summary="诉求详情与办理记录")
def get_case(request, case_id: int = PATH_ID):
    return _detail(request.user, _get_case(request, case_id))


@router.post("/cases/{case_id}/photos", response={201: list[int], **ERRORS}, summary="上传图片")
def upload_photos(request, case_id: int = PATH_ID, photos: list[UploadedFile] = File(...)):
    if any(p.size > MAX_PHOTO_BYTES for p in photos):
        raise Invalid(_("图片不能超过10MB"), code="photo_too_large", field="photos")
    stored = services.attach_photos(actor=request.user, case_id=case_id, images=[p.read() for p in photos])
    return Status(201, [p.pk for p in stored])


def _action(path: str, summary: str, schema=None):
    """Register POST /cases/{id}/<path> calling a service and answering with the case. The
    answer is read in the service's transaction: an answer of "not found" never follows a
    committed write (issue 10 §4)."""

    def register(fn):
        def act(request, case_id, payload):
            with transaction.atomic():
                fn(request, case_id, payload)
                return _detail(request.user, _get_case(request, case_id))

        if schema is None:
            @router.post(f"/cases/{{case_id}}/{path}", response={200: CaseDetailOut, **ERRORS}, summary=summary,
                         operation_id=f"case_{path.replace('-', '_')}")
            def endpoint(request, case_id: int = PATH_ID):
                return act(request, case_id, None)
        else:
            @router.post(f"/cases/{{case_id}}/{path}", response={200: CaseDetailOut, **ERRORS}, summary=summary,
                         operation_id=f"case_{path.replace('-', '_')}")
            def endpoint(request, payload: schema, case_id: int = PATH_ID):
                return act(request, case_id, payload)
        return fn

    return register


@_action("accept", "受理")
def _accept(request, case_id, _p):
    services.accept_case(actor=request.user, case_id=case_id)


class ClassifyIn(Schema):
    category: str = Field(..., max_length=48)
    note: FreeText(2000) = ""


@_action("classify", "确认或更正类别", ClassifyIn)
def _classify(request, case_id, p):
    services.classify_case(actor=request.user, case_id=case_id, category_code=p.category, note=p.note)


@_action("request-info", "要求补充信息", ReasonIn)
def _request_info(request, case_id, p):
    services.request_info(actor=request.user, case_id=case_id, question=p.reason)


@_action("info", "补充信息", NoteIn)
def _info(request, case_id, p):
    services.add_info(actor=request.user, case_id=case_id, text=p.text)


class EscalateIn(Schema):
    reason: FreeText(2000)
    # The level the caller saw (as the page sends it): a case moved meanwhile answers 409 "stale".
    from_level: str = Field(..., max_length=16, description="调用方看到的办理层级；已被他人移动则 409")
    internal: bool = Field(True, description="上报原因仅工作人员可见（默认）")


@_action("escalate", "上报上一级", EscalateIn)
def _escalate(request, case_id, p):
    services.escalate_case(actor=request.user, case_id=case_id, reason=p.reason, from_level=p.from_level,
                           internal=p.internal)


@_action("refer", "转交职能部门", ReferIn)
def _refer(request, case_id, p):
    services.refer_case(actor=request.user, case_id=case_id, organisation_id=p.organisation_id, reason=p.reason,
                        from_level=p.from_level)


@_action("cohandle", "发起多部门协办", CohandleIn)
def _cohandle(request, case_id, p):
    services.open_cohandling(actor=request.user, case_id=case_id, organisation_ids=p.organisation_ids,
                             instruction=p.instruction, days=p.days)


@_action("notes", "内部备注", NoteIn)
def _note(request, case_id, p):
    services.add_note(actor=request.user, case_id=case_id, text=p.text)


@_action("contact", "记录已联系反映人", None)
def _contact(request, case_id, _p):
    services.record_contact(actor=request.user, case_id=case_id)


@_action("answer", "答复", AnswerIn)
def _answer(request, case_id, p):
    services.answer_case(actor=request.user, case_id=case_id, answer=p.answer)


@_action("close", "核查结案", CloseIn)
def _close(request, case_id, p):
    services.close_case(actor=request.user, case_id=case_id, outcome=p.outcome, note=p.note)


@_action("rate", "评价", RateIn)
def _rate(request, case_id, p):
    services.rate_case(actor=request.user, case_id=case_id, rating=p.rating, solved=p.solved, comment=p.comment,
                       return_visit=p.return_visit)


@_action("me-too", "我也遇到")
def _me_too(request, case_id, _p):
    services.me_too(actor=request.user, case_id=case_id)


@_action("merge", "合并到另一诉求", MergeIn)
def _merge(request, case_id, p):
    services.merge_case(actor=request.user, case_id=case_id, into_id=p.into_id, note=p.note)


class TaskAnswerIn(Schema):
    answer: FreeText(2000)


@router.post("/case-tasks/{task_id}/complete", response={200: dict, **ERRORS}, summary="完成协办任务")
def complete_task(request, payload: TaskAnswerIn, task_id: int = PATH_ID):
    task = services.complete_task(actor=request.user, task_id=task_id, answer=payload.answer)
    return {"id": task.pk, "status": task.status}


@router.get("/figures", response={200: FiguresOut, **ERRORS}, summary="办理指标（来自原始记录）")
def figures(request, under: int = Query(..., ge=1, le=2**63 - 1), days: int = Query(30, ge=1, le=3660)):
    place = supervised_place(request.user, under)  # one predicate with the figures page
    return selectors.figures(request.user, under=place, period=_period(days))


@router.get("/hot-spots", response={200: list[HotSpotOut], **ERRORS}, summary="热点：各网格/小区 × 类别")
def hot_spots(request, under: int = Query(..., ge=1, le=2**63 - 1), days: int = Query(30, ge=1, le=3660),
              kind: str = Query("grid", pattern="^(grid|compound)$")):
    place = supervised_place(request.user, under)  # one predicate with the hot-spot page
    return [{"place_id": r["place"].pk, "place_name": r["place"].name, "category": r["category"],
             "category_name": r["category_name"], "count": r["count"]}
            for r in selectors.hot_spots(request.user, under=place, period=_period(days), kind=kind)]
