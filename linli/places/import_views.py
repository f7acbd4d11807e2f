"""The staff page for importing people from a spreadsheet, and its template file. The view
parses the upload and calls linli.places.importing; the importer checks scope again."""

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

from .importing import COLUMNS, column_label, import_people, read_table, template_workbook
from .models import Place, PlaceKind

MAX_UPLOAD = 30 * 1024 * 1024
MAX_PLACES = 1000  # the picker lists at most this many places
MAX_ERRORS_SHOWN = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def importable_places(user) -> list[dict]:
    """Places at compound level or above where the user may import, tree order, indented."""
    compound = PlaceKind.objects.filter(code="compound").first()
    qs = Place.objects.select_related("kind").order_by("path")
    if compound is not None:
        qs = qs.filter(kind__rank__lte=compound.rank)
    places = list(scoped(user, qs, Verb.PEOPLE_IMPORT)[:MAX_PLACES])
    top = min((p.depth for p in places), default=0)
    return [{"place": p, "indent": "\u00a0\u00a0" * (p.depth - top)} for p in places]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def import_people_page(request):
    places = importable_places(request.user)
    # Each column by its name in the page's language, with the headers a file may carry.
    columns = [{"label": column_label(c.header), "header": c.header, "key": c.key, "required": c.required,
                "meaning": c.meaning} for c in COLUMNS.values()]
    ctx = {"places": places, "columns": columns, "selected": None, "dry_run": False,
           "errors": {}, "report": None, "shown_errors": [], "hidden_errors": 0, "filename": ""}
    if not places:
        # The refusal alone: no form, no column list, for someone who cannot use them.
        return error_page(request, Forbidden(_("您没有导入人口数据的权限"), code="forbidden"))
    if request.method == "GET":
        tops = [item for item in places if not item["indent"]]
        if len(tops) == 1:  # one place where the user works (their grid): preselect it
            ctx["selected"] = tops[0]["place"].pk
        return render_page(request, "places/import.html", ctx)

    status, errors = 400, ctx["errors"]
    place_id = (request.POST.get("place") or "").strip()
    ctx["selected"] = int(place_id) if place_id.isdigit() else None
    ctx["dry_run"] = bool(request.POST.get("dry_run"))
    upload = request.FILES.get("file")
    if ctx["selected"] is None:
        errors.setdefault("place", []).append(_("请选择导入到哪个地点"))
    if upload is None or not upload.size:
        errors.setdefault("file", []).append(_("请选择要导入的文件（.xlsx 或 .csv）") if upload is None
                                              else _("文件是空的"))
    elif upload.size > MAX_UPLOAD:
        errors.setdefault("file", []).append(_("文件不能超过30MB，请分成几个文件导入"))
    if errors:
        return render_page(request, "places/import.html", ctx, status=status)
    ctx["filename"] = upload.name
    try:
        rows = read_table(upload, upload.name)
        report = import_people(actor=request.user, rows=rows, under_place_id=ctx["selected"],
                               dry_run=ctx["dry_run"], source=upload.name)
    except DomainError as exc:
        field = {"under": "place", "file": "file"}.get(exc.field or "", "general")
        errors.setdefault(field, []).append(str(exc.message))
        return render_page(request, "places/import.html", ctx, status=exc.status)
    ctx["report"] = report
    ctx["shown_errors"] = [{"row": e.row, "column": column_label(e.column), "message": e.message}
                           for e in report.errors[:MAX_ERRORS_SHOWN]]
    ctx["hidden_errors"] = max(0, len(report.errors) - MAX_ERRORS_SHOWN)
    ctx["bad_rows"] = len({e.row for e in report.errors})
    return render_page(request, "places/import.html", ctx, status=200 if report.ok else 400)


@login_required
def import_template(request):
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, _("人口导入模板") + ".xlsx")
    return response
