"""The staff page for importing a compound's owners' roll (业主名册) from a spreadsheet, and its
template file: the people import page's shape (linli.places.import_views) for the roll. The
view parses the upload and calls linli.deliberation.roll_import, which checks scope again."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from linli.accounts.roles import Verb
from linli.accounts.scope import scoped
from linli.accounts.views import error_page, render_page
from linli.core.errors import DomainError, Forbidden
from linli.places.models import Place

from .roll_import import COLUMNS, MEANINGS, REQUIRED, column_label, import_roll, read_roll, template_workbook

MAX_UPLOAD = 10 * 1024 * 1024
MAX_COMPOUNDS = 1000  # the picker lists at most this many compounds
MAX_ERRORS_SHOWN = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE = "deliberation/roll_import.html"


def _compounds(user) -> list[Place]:
    """The compounds whose roll the user may import (the verb of the people import: the roll
    holds the same ID numbers and phones), by their place in the tree."""
    qs = Place.objects.filter(kind__code="compound").select_related("parent").order_by("path")
    return list(scoped(user, qs, Verb.PEOPLE_IMPORT)[:MAX_COMPOUNDS])


def _pick(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def roll_import_page(request):
    compounds = _compounds(request.user)
    if not compounds:
        # The refusal alone: no form, no column list, for someone who cannot use them.
        return error_page(request, Forbidden(_("您没有导入业主名册的权限"), code="forbidden"))
    columns = [{"label": column_label(h), "header": h, "key": aliases[0], "required": h in REQUIRED,
                "meaning": MEANINGS[h]} for h, aliases in COLUMNS.items()]
    ctx = {"compounds": compounds, "columns": columns, "selected": None, "dry_run": False, "errors": {},
           "report": None, "shown_errors": [], "hidden_errors": 0, "filename": ""}
    if request.method == "GET":
        asked = _pick(request.GET.get("compound"))
        if any(c.pk == asked for c in compounds):
            ctx["selected"] = asked
        elif len(compounds) == 1:
            ctx["selected"] = compounds[0].pk
        return render_page(request, TEMPLATE, ctx)

    errors = ctx["errors"]
    ctx["selected"] = _pick(request.POST.get("compound"))
    ctx["dry_run"] = bool(request.POST.get("dry_run"))
    upload = request.FILES.get("file")
    if ctx["selected"] is None:
        errors.setdefault("compound", []).append(_("请选择小区"))
    if upload is None or not upload.size:
        errors.setdefault("file", []).append(_("请选择要导入的文件（.xlsx 或 .csv）") if upload is None
                                              else _("文件是空的"))
    elif upload.size > MAX_UPLOAD:
        errors.setdefault("file", []).append(_("文件不能超过10MB"))
    if errors:
        return render_page(request, TEMPLATE, ctx, status=400)
    ctx["filename"] = upload.name
    try:
        rows = read_roll(upload, upload.name)
        report = import_roll(actor=request.user, compound_id=ctx["selected"], rows=rows,
                             dry_run=ctx["dry_run"], source=upload.name)
    except DomainError as exc:
        field = {"compound_id": "compound", "file": "file"}.get(exc.field or "", "general")
        errors.setdefault(field, []).append(str(exc.message))
        return render_page(request, TEMPLATE, ctx, status=exc.status)
    ctx["report"] = report
    ctx["shown_errors"] = [{"row": e["row"], "column": column_label(e["column"]), "message": e["message"]}
                           for e in report.errors[:MAX_ERRORS_SHOWN]]
    ctx["hidden_errors"] = max(0, len(report.errors) - MAX_ERRORS_SHOWN)
    return render_page(request, TEMPLATE, ctx, status=200 if report.ok else 400)


@login_required
def roll_template(request):
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, _("业主名册导入模板") + ".xlsx")
    return response
