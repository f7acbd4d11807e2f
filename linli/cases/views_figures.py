"""The figures (办理指标) and hot-spot (热点) pages of a community or street, and the hot-spot
map's GeoJSON. Views parse the place and the period, call linli.cases.selectors (which scope
through linli.accounts.scope) and render; bad input becomes field errors, never a 500."""

from __future__ import annotations

import datetime as dt
import os
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.accounts.roles import Verb
from linli.accounts.scope import allowed, get_scoped, prefixes, scoped
from linli.accounts.pages import error_page, render_page
from linli.core.errors import DomainError, Forbidden, NotFound
from linli.core.paths import ancestors_paths
from linli.core.widgets import DATE_FORMATS, DateText
from linli.places.models import Place

from . import selectors
from .models import Category

# Who may see figures and hot spots: staff who verify and close cases (grid staff and up),
# i.e. those who supervise the loop, not building heads or department staff.
SUPERVISE = Verb.CASE_VERIFY
TOP_CATEGORIES = 5
MAX_DAYS = 3660

PERIODS = [
    ("month", gettext_lazy("本月")),
    ("last_month", gettext_lazy("上月")),
    ("quarter", gettext_lazy("本季度")),
    ("year", gettext_lazy("本年")),
    ("custom", gettext_lazy("自定义")),
]
KINDS = [("grid", gettext_lazy("按网格")), ("compound", gettext_lazy("按小区"))]


# ---------------------------------------------------------------- the query string


class FiguresQuery(forms.Form):
    """?under=&period=&date_from=&date_to= (and, on the hot-spot page, kind and category)."""

    under = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1,
                               error_messages={"invalid": gettext_lazy("地点编号无效"),
                                               "min_value": gettext_lazy("地点编号无效"),
                                               "max_value": gettext_lazy("地点编号无效")})
    period = forms.ChoiceField(label=gettext_lazy("统计时段"), choices=PERIODS, required=False,
                               error_messages={"invalid_choice": gettext_lazy("请选择统计时段")})
    date_from = forms.DateField(label=gettext_lazy("开始日期"), required=False, input_formats=DATE_FORMATS,
                                error_messages={"invalid": gettext_lazy("日期格式应为 2026-11-01")},
                                widget=DateText(attrs={"aria-describedby": "date-format-help"}))
    date_to = forms.DateField(label=gettext_lazy("结束日期"), required=False, input_formats=DATE_FORMATS,
                              error_messages={"invalid": gettext_lazy("日期格式应为 2026-11-01")},
                              widget=DateText(attrs={"aria-describedby": "date-format-help"}))

    def clean(self):
        data = super().clean()
        period = data.get("period") or ""
        start, end = data.get("date_from"), data.get("date_to")
        if not period and (start or end) and "period" not in self.errors:
            period = "custom"  # dates alone mean a custom period
        data["period"] = period or "month"
        if data["period"] != "custom":
            return data
        if start is None and "date_from" not in self.errors:
            self.add_error("date_from", _("请填写开始日期"))
        if end is None and "date_to" not in self.errors:
            self.add_error("date_to", _("请填写结束日期"))
        if start and end:
            if end < start:
                self.add_error("date_to", _("结束日期不能早于开始日期"))
            elif (end - start).days >= MAX_DAYS:
                self.add_error("date_to", _("统计时段不能超过10年"))
        return data


class HotSpotsQuery(FiguresQuery):
    kind = forms.ChoiceField(choices=KINDS, required=False,
                             error_messages={"invalid_choice": gettext_lazy("请选择按网格或按小区")})
    category = forms.ChoiceField(label=gettext_lazy("类别"), required=False,
                                 error_messages={"invalid_choice": gettext_lazy("类别无效")})

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部类别")), *[(c.code, c.label) for c in categories]]

    def clean(self):
        data = super().clean()
        data["kind"] = data.get("kind") or "grid"
        return data


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def period_of(data: dict, *, today: dt.date | None = None) -> tuple[selectors.Period, dt.date, dt.date]:
    """The half-open period [start, end) in local time, and its first and last day."""
    today = today or timezone.localdate()
    kind = data["period"]
    if kind == "custom":
        first, last = data["date_from"], data["date_to"]
    elif kind == "last_month":
        last = today.replace(day=1) - dt.timedelta(days=1)
        first = last.replace(day=1)
    elif kind == "quarter":
        first = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        last = _month_end(dt.date(first.year, first.month + 2, 1))
    elif kind == "year":
        first, last = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    else:
        first, last = today.replace(day=1), _month_end(today)
    return selectors.Period(_local_midnight(first), _local_midnight(last + dt.timedelta(days=1))), first, last


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _query_string(data: dict, **override) -> str:
    """The period (and toggles) to carry into links, without empty values."""
    keys = ("period", "date_from", "date_to", "kind", "category")
    values = {k: data.get(k) for k in keys}
    if values.get("period") != "custom":
        values["date_from"] = values["date_to"] = None
    values.update(override)
    return urlencode({k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items() if v})


# ---------------------------------------------------------------- the place and who may see it


def supervised_place(user, under_id: int | None) -> Place:
    """The place asked for, or the top place the user supervises. Users who supervise
    nowhere are forbidden; a place outside their reach is not found (scope.require)."""
    reach = prefixes(user, SUPERVISE)
    if reach is not None and not reach:
        raise Forbidden(_("只有负责诉求督办的工作人员可以查看办理指标和热点"), code="forbidden")
    qs = Place.objects.select_related("kind")
    if under_id is not None:
        return get_scoped(user, qs, SUPERVISE, pk=under_id)
    place = (qs.filter(depth=1).order_by("path").first() if reach is None
             else qs.filter(path=min(reach, key=lambda p: (len(p), p))).first())
    if place is None:
        raise NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found")
    return place


def _crumbs(user, place: Place) -> list[dict]:
    above = Place.objects.filter(path__in=ancestors_paths(place.path)).order_by("path")
    return [{"place": p, "link": allowed(user, SUPERVISE, p)} for p in above]


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _share(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def figure_cells(f: dict) -> list[dict]:
    """The six figures a page shows, each a number and a rate, straight from the selector's
    counts (reopened and duplicate shares are the same counts over their base)."""
    submitted = f["received"] + f["merged"]
    return [
        {"key": "received", "label": _("收到诉求"), "n": f["received"],
         "rate": _percent(_share(f["accepted"], f["received"])), "of": _("已受理")},
        {"key": "accepted_on_time", "label": _("按时受理"), "n": f["accepted_on_time"],
         "rate": _percent(f["accepted_on_time_rate"]), "of": _("按时受理率")},
        {"key": "closed_on_time", "label": _("按期办结"), "n": f["closed_on_time"],
         "rate": _percent(f["closed_on_time_rate"]),
         "of": _("按期办结率（到期 %(n)s 件）") % {"n": f["due"]}},
        {"key": "satisfied", "label": _("满意"), "n": f["satisfied"],
         "rate": _percent(f["satisfaction_rate"]), "of": _("满意率（已评价 %(n)s 件）") % {"n": f["rated"]}},
        {"key": "reopened", "label": _("重新办理"), "n": f["reopened"],
         "rate": _percent(_share(f["reopened"], f["received"])), "of": _("重办率")},
        {"key": "merged", "label": _("重复诉求"), "n": f["merged"],
         "rate": _percent(_share(f["merged"], submitted)), "of": _("重复率")},
    ]


def _parse(request, form_class, **form_kwargs):
    form = form_class(request.GET, **form_kwargs)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    return form, valid, data


def _under_id(request) -> int | None:
    """The place id when it parses; a bad one is reported on the form, the page then falls
    back to the user's top place."""
    try:
        value = int(request.GET.get("under") or 0)
    except ValueError:
        return None
    return value if 1 <= value <= 2**63 - 1 else None


# ---------------------------------------------------------------- pages


@login_required
def figures_page(request):
    form, valid, data = _parse(request, FiguresQuery)
    try:
        place = supervised_place(request.user, _under_id(request))
    except DomainError as exc:
        return error_page(request, exc)
    context = {"place": place, "form": form, "crumbs": _crumbs(request.user, place), "valid": valid,
               "periods": PERIODS}
    if not valid:
        return render_page(request, "cases/figures.html", context, status=400)
    period, first, last = period_of(data)
    children = list(scoped(request.user, Place.objects.filter(parent=place), SUPERVISE)
                    .select_related("kind").order_by("path"))
    own = selectors.figures(request.user, under=place, period=period)
    per_child = selectors.figures_by_child(request.user, under=place, children=children, period=period)
    qs = _query_string(data)
    rows = [{"place": c, "link": f"{reverse('cases_figures:figures')}?{_query_string(data, under=c.pk)}",
             "cells": figure_cells(per_child[c.pk])} for c in children]
    if None in per_child and per_child[None]["received"] + per_child[None]["merged"]:
        rows.append({"place": place, "here": True, "link": None, "cells": figure_cells(per_child[None])})
    context.update({
        "figures": own, "cells": figure_cells(own), "rows": rows, "first": first, "last": last,
        "query": qs, "hot_spots_url": f"{reverse('cases_figures:hot_spots')}?{_query_string(data, under=place.pk)}",
    })
    return render_page(request, "cases/figures.html", context)


def _categories():
    return list(Category.objects.filter(is_active=True).order_by("sort", "id"))


def hot_spot_table(rows: list[dict], *, category: str | None = None) -> tuple[list[dict], list[dict], bool]:
    """Pivot selectors.hot_spots rows: one row per place, the top categories as columns
    (the rest summed as "other"), places with the most cases first."""
    if category:
        rows = [r for r in rows if r["category"] == category]
    totals: dict[str, int] = {}
    names: dict[str, str] = {}
    places: dict[int, dict] = {}
    for r in rows:
        totals[r["category"]] = totals.get(r["category"], 0) + r["count"]
        names[r["category"]] = r["category_name"]
        entry = places.setdefault(r["place"].pk, {"place": r["place"], "total": 0, "counts": {}})
        entry["counts"][r["category"]] = r["count"]
        entry["total"] += r["count"]
    top = sorted(totals, key=lambda c: (-totals[c], c))[:TOP_CATEGORIES]
    has_other = len(totals) > len(top)
    columns = [{"code": c, "name": names[c], "total": totals[c]} for c in top]
    table = []
    for entry in sorted(places.values(), key=lambda e: (-e["total"], e["place"].path)):
        cells = [entry["counts"].get(c, 0) for c in top]
        other = entry["total"] - sum(cells)
        table.append({**entry, "cells": cells, "other": other})
    return table, columns, has_other


def _tiles_url() -> str:
    return getattr(settings, "LINLI_MAP_TILES_URL", os.environ.get("LINLI_MAP_TILES_URL", ""))


@login_required
def hot_spots_page(request):
    categories = _categories()
    form, valid, data = _parse(request, HotSpotsQuery, categories=categories)
    try:
        place = supervised_place(request.user, _under_id(request))
    except DomainError as exc:
        return error_page(request, exc)
    kind = request.GET.get("kind") if request.GET.get("kind") in dict(KINDS) else "grid"
    context = {"place": place, "form": form, "crumbs": _crumbs(request.user, place), "valid": valid,
               "kind": kind, "kinds": KINDS}
    if not valid:
        return render_page(request, "cases/hot_spots.html", context, status=400)
    period, first, last = period_of(data)
    category = data.get("category") or None
    table, columns, has_other = hot_spot_table(
        selectors.hot_spots(request.user, under=place, period=period, kind=data["kind"]), category=category)
    base = reverse("cases_figures:hot_spots")
    context.update({
        "table": table, "columns": columns, "has_other": has_other, "first": first, "last": last,
        "total": sum(r["total"] for r in table),
        "kind_links": [{"code": code, "label": label, "current": code == data["kind"],
                        "url": f"{base}?{_query_string(data, under=place.pk, kind=code)}"} for code, label in KINDS],
        "figures_url": f"{reverse('cases_figures:figures')}?{_query_string(data, under=place.pk)}",
        "figures_base": reverse("cases_figures:figures"), "query": _query_string(data),
        "geojson_url": f"{reverse('cases_figures:hot_spots_geojson')}?{_query_string(data, under=place.pk)}",
        "tiles_url": _tiles_url(),
    })
    return render_page(request, "cases/hot_spots.html", context)


@login_required
def hot_spots_geojson(request):
    """The hot-spot map's data: GeoJSON of the grids (or compounds) with their counts."""
    form, valid, data = _parse(request, HotSpotsQuery, categories=_categories())
    if not valid:
        errors = [{"field": field, "message": str(message), "code": "invalid"}
                  for field, messages in form.errors.items() for message in messages]
        return JsonResponse({"errors": errors}, status=400)
    try:
        place = supervised_place(request.user, data.get("under"))
    except DomainError as exc:
        return JsonResponse({"errors": exc.as_list()}, status=exc.status)
    period, _first, _last = period_of(data)
    collection = selectors.hot_spot_geojson(request.user, under=place, period=period,
                                            category=data.get("category") or None, kind=data["kind"])
    return JsonResponse(collection, content_type="application/geo+json")
