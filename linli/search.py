"""Search: cases by number or words, residents by name, mobile number or ID number, always
within what the viewer may see (linli.accounts.scope). A project-level module (like home and
api): it asks both apps' selectors. The page at /search/, the API at GET /api/v1/search."""

from __future__ import annotations

import unicodedata

from django.contrib.auth.decorators import login_required
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from ninja import Query, Router, Schema
from pydantic import Field

from linli.accounts.views import render_page
from linli.cases import selectors as case_selectors
from linli.core.schemas import ERRORS
from linli.places import selectors as place_selectors

MAX_Q = 100
router = Router(tags=["search"])


def clean_query(q: str | None) -> str:
    """At most MAX_Q characters, without control characters (a NUL would not reach the database)."""
    q = "".join(ch for ch in (q or "") if unicodedata.category(ch)[0] != "C")
    return q.strip()[:MAX_Q]


def search(user, q: str) -> dict:
    q = clean_query(q)
    if not q:
        return {"q": "", "cases": [], "residents": []}
    residents = place_selectors.search_residents(user, q)
    return {"q": q, "cases": case_selectors.search_cases(user, q), "residents": residents,
            "resident_places": place_selectors.place_labels(user, [r.household.dwelling for r in residents
                                                                    if r.household_id])}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def search_page(request):
    """The form posts (a phone or ID number typed here never lands in an access log); GET
    with ?q= still works for links (a case number)."""
    found = search(request.user, request.POST.get("q", "") if request.method == "POST" else request.GET.get("q", ""))
    return render_page(request, "search.html", {**found, "searched": bool(found["q"])})


# ---------------------------------------------------------------- API


class SearchIn(Schema):
    q: str = Field(..., min_length=1, max_length=MAX_Q, description="诉求编号或文字；居民姓名、手机号或身份证号")


class CaseHit(Schema):
    id: int
    number: str
    text: str
    status: str
    where: str


class ResidentHit(Schema):
    id: int
    name: str
    where: str
    phone_masked: str


class SearchOut(Schema):
    cases: list[CaseHit]
    residents: list[ResidentHit]


@router.get("/search", response={200: SearchOut, **ERRORS}, summary="搜索诉求和居民（在可见范围内）")
def search_api(request, params: Query[SearchIn]):
    found = search(request.user, params.q)
    case_places = place_selectors.place_labels(request.user, [c.place for c in found["cases"]])
    rp = found.get("resident_places", {})
    return {
        "cases": [{"id": c.pk, "number": c.number, "text": c.text, "status": c.status,
                   "where": case_places.get(c.place_id, "")} for c in found["cases"]],
        "residents": [{"id": r.pk, "name": r.name, "phone_masked": r.phone_masked,
                       "where": rp.get(r.household.dwelling_id, "") if r.household_id else ""}
                      for r in found["residents"]],
    }
