"""Open311 GeoReport v2 at /open311/v2/. Views parse the protocol's parameters, call the
cases services and selectors, and render JSON or XML; errors are arrays of
{code, description} with 400/403/404 as the specification says."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from linli.accounts.services import user_for_api_token
from linli.cases import services as case_services
from linli.cases.models import Case, Category
from linli.core.errors import DomainError
from linli.core.text import clean_text

from .render import errors, respond

FORMATS = ("json", "xml")
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
DEFAULT_WINDOW = dt.timedelta(days=90)
CLOSED = (Case.Status.CLOSED, Case.Status.MERGED)


def _fmt_dt(value):
    if value is None:
        return None
    return value.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name,
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(k for k in category.keywords.split() if k)[:200],
        "group": category.parent.name if category.parent_id else category.name,
    }


def _request(case: Case) -> dict:
    handler = case.handler_organisation.name if case.handler_organisation_id else (
        case.handler_place.name if case.handler_place_id else "")
    closed = case.status in CLOSED
    notes = case.outcome_note or (case.get_outcome_display() if case.outcome else "")
    if case.status == Case.Status.MERGED and case.merged_into_id:
        notes = _("已与%(n)s合并办理") % {"n": case.merged_into.number}
    return {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "status_notes": notes or None,
        "service_name": case.category.name,
        "service_code": case.category.code,
        # Only public cases are served, and the text is the public description.
        "description": case.text,
        "agency_responsible": handler or None,
        "service_notice": None,
        "requested_datetime": _fmt_dt(case.created_at),
        "updated_datetime": _fmt_dt(case.updated_at),
        "expected_datetime": _fmt_dt(case.finish_due),
        "address": case.place.name,
        "address_id": str(case.place_id),
        "zipcode": None,
        "lat": float(case.lat) if case.lat is not None else None,
        "long": float(case.lng) if case.lng is not None else None,
        "media_url": None,
    }


def _check_format(fmt: str):
    if fmt not in FORMATS:
        return errors("json", 404, (404, _("不支持的格式：%(fmt)s（可用 json 或 xml）") % {"fmt": fmt}))
    return None


@require_http_methods(["GET"])
def discovery(request, fmt: str):
    if (bad := _check_format(fmt)) is not None:
        return bad
    base = settings.LINLI_PUBLIC_URL.rstrip("/") + "/open311/v2/"
    data = {
        "changeset": "2026-11-23T00:00:00Z",
        "contact": _("邻里平台管理员"),
        "key_service": _("向社区申请 API 密钥（api_key）"),
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": base,
            "changeset": "2026-11-23T00:00:00Z",
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    }
    return respond(data, fmt, root="discovery")


@require_http_methods(["GET"])
def services(request, fmt: str):
    if (bad := _check_format(fmt)) is not None:
        return bad
    cats = Category.objects.filter(is_active=True).select_related("parent").order_by("sort", "id")
    return respond([_service(c) for c in cats], fmt, root="services")


@require_http_methods(["GET"])
def service_definition(request, code: str, fmt: str):
    if (bad := _check_format(fmt)) is not None:
        return bad
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        return errors(fmt, 404, (404, _("没有这个服务代码：%(code)s") % {"code": code}))
    return respond({"service_code": category.code, "attributes": []}, fmt, root="service_definition")


def _public_requests():
    return (Case.objects.filter(is_public=True)
            .select_related("category", "place", "handler_place", "handler_organisation", "merged_into"))


def _parse_date(raw: str, name: str):
    # parse_datetime itself raises on a well-formed but impossible value (an offset of 25 hours,
    # 30 February): our message, never Python's.
    try:
        value = parse_datetime(raw.strip().replace(" ", "+")) if raw else None
        if raw and value is None:
            value = dt.datetime.fromisoformat(raw.strip())
    except (ValueError, OverflowError):
        raise ValueError(_("%(name)s 不是 W3C 日期时间格式") % {"name": name}) from None
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value


def _positive_int(raw, name: str, default: int, maximum: int) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(_("%(name)s 应为正整数") % {"name": name}) from None
    if value < 1:
        raise ValueError(_("%(name)s 应为正整数") % {"name": name})
    return min(value, maximum)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests_(request, fmt: str):
    if (bad := _check_format(fmt)) is not None:
        return bad
    if request.method == "POST":
        return _create_request(request, fmt)
    params = request.GET
    qs = _public_requests()
    try:
        if params.get("service_request_id"):
            numbers = [n.strip() for n in params["service_request_id"].split(",") if n.strip()][:MAX_PAGE_SIZE]
            found = {c.number: c for c in qs.filter(number__in=numbers)}
            return respond([_request(found[n]) for n in numbers if n in found], fmt, root="service_requests")
        start = _parse_date(params.get("start_date", ""), "start_date")
        end = _parse_date(params.get("end_date", ""), "end_date")
        page = _positive_int(params.get("page"), "page", 1, 10**6)
        size = _positive_int(params.get("page_size"), "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    except ValueError as exc:
        return errors(fmt, 400, (400, str(exc)))
    if start and end and start > end:
        return errors(fmt, 400, (400, _("start_date 不能晚于 end_date")))
    if start is None and end is None:
        start = dt.datetime.now(dt.timezone.utc) - DEFAULT_WINDOW
    if start:
        qs = qs.filter(created_at__gte=start)
    if end:
        qs = qs.filter(created_at__lte=end)
    if params.get("service_code"):
        qs = qs.filter(category__code__in=[c.strip() for c in params["service_code"].split(",")])
    status = params.get("status", "").strip()
    if status:
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            return errors(fmt, 400, (400, _("status 只能是 open 或 closed")))
        if wanted == {"open"}:
            qs = qs.exclude(status__in=CLOSED)
        elif wanted == {"closed"}:
            qs = qs.filter(status__in=CLOSED)
    rows = qs.order_by("-created_at", "-id")[(page - 1) * size: page * size]
    return respond([_request(c) for c in rows], fmt, root="service_requests")


def _create_request(request, fmt: str):
    data = request.POST
    # An Open311 key (not the user's API token): scoped to Open311, expiring, revocable.
    user = user_for_api_token(data.get("api_key", "").strip(), kind="open311")
    if user is None:
        return errors(fmt, 403, (403, _("api_key 无效或缺失")))
    code = data.get("service_code", "").strip()
    if not code:
        return errors(fmt, 400, ("service_code", _("缺少 service_code")))
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        return errors(fmt, 404, ("service_code", _("没有这个服务代码：%(code)s") % {"code": code}))
    lat, lng = data.get("lat", "").strip(), (data.get("long") or data.get("lon") or "").strip()
    address_id = data.get("address_id", "").strip()
    if not ((lat and lng) or address_id):
        return errors(fmt, 400, ("location", _("需要 lat 和 long，或 address_id")))
    try:
        lat_f = float(lat) if lat else None
        lng_f = float(lng) if lng else None
        place_id = int(address_id) if address_id and not lat else None
    except ValueError:
        return errors(fmt, 400, ("location", _("坐标或 address_id 格式不正确")))
    try:
        names = [clean_text(data.get(key, ""), field=key, max_length=25, multiline=False)
                 for key in ("last_name", "first_name")]
    except DomainError as exc:
        return errors(fmt, 400, *[(e["field"], e["message"]) for e in exc.as_list()])
    contact = " ".join(p for p in names if p)
    try:
        case = case_services.submit_case(
            actor=user, text=data.get("description", ""), channel=Case.Channel.OPEN311, place_id=place_id,
            lat=lat_f, lng=lng_f, category_code=code, contact_name=contact[:50],
            contact_phone=data.get("phone", "").strip(), is_public=True, via_integration=True)
    except DomainError as exc:
        items = [(e["field"] or e["code"], e["message"]) for e in exc.as_list()]
        return errors(fmt, 403 if exc.status == 403 else 404 if exc.status == 404 else 400, *items)
    return respond([{"service_request_id": case.number, "token": case.number,
                     "service_notice": _("已受理登记，将在%(h)s小时内响应") % {"h": category.accept_hours},
                     "account_id": None}], fmt, root="service_requests", status=201)


@require_http_methods(["GET"])
def request_detail(request, number: str, fmt: str):
    if (bad := _check_format(fmt)) is not None:
        return bad
    case = _public_requests().filter(number=number).first()
    if case is None:
        return errors(fmt, 404, (404, _("没有这个诉求：%(n)s") % {"n": number}))
    return respond([_request(case)], fmt, root="service_requests")


@require_http_methods(["GET"])
def token_detail(request, token: str, fmt: str):
    if (bad := _check_format(fmt)) is not None:
        return bad
    case = Case.objects.filter(number=token, channel=Case.Channel.OPEN311).first()
    if case is None:
        return errors(fmt, 404, (404, _("没有这个令牌：%(t)s") % {"t": token}))
    return respond([{"service_request_id": case.number, "token": token}], fmt, root="service_requests")
