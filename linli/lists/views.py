"""Pages of the three lists: the staff list with filters, a new item, the item page (history,
status, links, budget, money with voucher upload, milestones with photos, closing), the
public board of a compound or community (公示, printable), contributor receipts, figures and
the xlsx ledger (台账). Views parse, call linli.lists.services / selectors and render."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from linli.accounts.models import Organisation
from linli.accounts.roles import Verb
from linli.accounts.scope import allowed, get_scoped, require, scoped
from linli.accounts.views import error_page, render_page
from linli.core.errors import DomainError, Invalid, NotFound
from linli.core.history import timeline
from linli.places.models import Place

from . import forms as f
from . import selectors, services
from .models import FundingSource, Item, ItemPhoto, Kind, MoneyEntry, Status

PER_PAGE = 50


def _list_places(user):
    return (scoped(user, Place.objects.filter(kind__code__in=services.LIST_PLACE_KINDS), Verb.LISTS_MANAGE)
            .select_related("kind").order_by("path")[:300])


@login_required
@require_GET
def index(request):
    form = f.FilterForm(request.GET or None, organisations=Organisation.objects.order_by("name"))
    data = form.cleaned_data if form.is_valid() else {}
    items = selectors.staff_items(request.user, kind=data.get("kind"), status=data.get("status"),
                                  overdue=bool(data.get("overdue")), owner=data.get("owner"))
    rows = list(items[:PER_PAGE])
    today = timezone.localdate()
    for item in rows:
        item.overdue = item.is_open and item.due_date is not None and item.due_date < today
    return render_page(request, "lists/index.html", {
        "form": form, "rows": rows, "filtered": any(data.values()) if data else False,
        "can_create": bool(_list_places(request.user))})


@login_required
def new(request):
    places = list(_list_places(request.user))
    if not places:
        return error_page(request, NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found"))
    organisations = Organisation.objects.order_by("name")
    form = f.ItemForm(request.POST or None, places=places, organisations=organisations,
                      initial={"kind": request.GET.get("kind", "need")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            item = services.create_item(
                actor=request.user, kind=d["kind"], title=d["title"], description=d["description"],
                place_id=int(d["place"]), source_kind=d["source_kind"], source_id=d["source_id"],
                source_note=d["source_note"], owner_organisation_id=int(d["owner_organisation"] or 0) or None,
                owner_person_id=request.user.pk, due_date=d["due_date"], progress_mode=d["progress_mode"],
                allows_advance=d["allows_advance"])
        except DomainError as exc:
            f.add_domain_errors(form, exc)
        else:
            messages.success(request, _("已登记"))
            return redirect("lists:item", item_id=item.pk)
    return render_page(request, "lists/new.html", {"form": form}, status=400 if form.errors else 200)


def _item_for(request, item_id: int) -> Item:
    item = Item.objects.select_related("place", "place__kind", "owner_organisation", "owner_person", "parent",
                                       "case").filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("未找到该清单事项"), code="not_found")
    if not item.is_public:
        require(request.user, Verb.LISTS_VIEW, item)
    return item


def _item_page(request, item: Item, bound: dict | None = None, status: int = 200):
    user = request.user
    manage = allowed(user, Verb.LISTS_MANAGE, item)
    fund = allowed(user, Verb.LISTS_FUND, item)
    lines = list(item.budget_lines.all())
    spent = selectors.spent_by_line([item.pk])
    for line in lines:
        line.spent_fen = spent.get(line.pk, 0)
    links = list(item.answers.select_related("item")) if item.is_project else []
    answered_by = list(item.answered_by.select_related("project")) if not item.is_project else []
    projects = []
    if manage and not item.is_project and item.is_open:
        linked = {ln.project_id for ln in answered_by}
        projects = [p for p in scoped(user, Item.objects.filter(kind=Kind.PROJECT, status__in=[
            Status.PROPOSED, Status.ACCEPTED, Status.IN_PROGRESS]), Verb.LISTS_VIEW, under=item.path[:8])
            if p.pk not in linked][:100]
    bound = bound or {}
    forms_ = {
        "status": bound.get("status") or f.StatusForm(),
        "link": bound.get("link") or (f.LinkForm(projects=projects) if projects else None),
        "budget": bound.get("budget") or f.BudgetForm(),
        "money": bound.get("money") or f.MoneyForm(lines=lines, initial={"on_date": timezone.localdate()}),
        "milestone": bound.get("milestone") or f.MilestoneForm(),
        "done": bound.get("done"),
        "photo": bound.get("photo") or f.PhotoForm(),
        "close": bound.get("close") or f.CloseForm(links=links),
        "reverse": bound.get("reverse"),
    }
    money = list(item.money.select_related("budget_line", "reverses").order_by("id")) if fund or manage else []
    reversed_ids = {m.reverses_id for m in money if m.reverses_id}
    for m in money:
        m.can_reverse = fund and not m.is_reversal and m.pk not in reversed_ids
    photos = list(item.photos.all())
    context = {
        "item": item, "manage": manage, "fund": fund,
        "approve": allowed(user, Verb.LISTS_APPROVE, item),
        "transitions": [(s, Status(s).label) for s in services.transitions_for(user, item)
                        if not (item.is_project and s == Status.DONE)],
        "can_close": item.is_project and item.status == Status.IN_PROGRESS and Status.DONE in
        services.transitions_for(user, item),
        "history": timeline(item.events.all(), show_internal=manage),
        "lines": lines, "links": links, "answered_by": answered_by, "money": money,
        "milestones": list(item.milestones.all()),
        "photos_before": [p for p in photos if p.phase == ItemPhoto.Phase.BEFORE],
        "photos_progress": [p for p in photos if p.phase == ItemPhoto.Phase.PROGRESS],
        "photos_after": [p for p in photos if p.phase == ItemPhoto.Phase.AFTER],
        "children": selectors.project_rollup(item) if item.is_project and item.children.exists() else None,
        "following": user.is_authenticated and item.followers.filter(user=user).exists(),
        "contributors": selectors.contributors_of([item.pk]) if item.is_project else [],
        "forms": forms_, "today": timezone.localdate(),
    }
    return render_page(request, "lists/item.html", context, status=status)


def item_detail(request, item_id: int):
    try:
        item = _item_for(request, item_id)
    except DomainError as exc:
        return error_page(request, exc)
    return _item_page(request, item)


def _run(form, call) -> bool:
    """Call the service when the form parsed; its errors go next to the fields."""
    if not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except DomainError as exc:
        f.add_domain_errors(form, exc)
        return False
    return True


@login_required
@require_POST
def item_action(request, item_id: int, action: str):
    try:
        item = _item_for(request, item_id)
    except DomainError as exc:
        return error_page(request, exc)
    user, pk = request.user, item.pk
    if action == "follow":
        services.follow(actor=user, item_id=pk)
        messages.success(request, _("已关注，事项有进展时会通知您"))
        return redirect("lists:item", item_id=pk)
    if action == "unfollow":
        services.unfollow(actor=user, item_id=pk)
        return redirect("lists:item", item_id=pk)
    P, F = request.POST, request.FILES
    if action == "status":
        form = f.StatusForm(P)
        ok = _run(form, lambda d: services.change_status(actor=user, item_id=pk, to=d["to"], reason=d["reason"]))
    elif action == "link":
        form = f.LinkForm(P, projects=Item.objects.filter(pk=P.get("project") if str(P.get("project", "")).isdigit()
                                                          else 0))
        ok = _run(form, lambda d: services.link_to_project(actor=user, item_id=pk, project_id=int(d["project"])))
    elif action == "budget":
        form = f.BudgetForm(P)
        ok = _run(form, lambda d: services.set_budget_line(actor=user, item_id=pk, name=d["name"],
                                                           amount_fen=d["amount_fen"]))
    elif action == "money":
        form = f.MoneyForm(P, F, lines=item.budget_lines.all())
        ok = _record_money(form, user, item)
    elif action == "reverse":
        form = f.ReverseForm(P)
        ok = _run(form, lambda d: services.reverse_money(actor=user, entry_id=d["entry"], reason=d["reason"]))
        action = "reverse"
    elif action == "milestone":
        form = f.MilestoneForm(P)
        ok = _run(form, lambda d: services.add_milestone(actor=user, item_id=pk, title=d["title"],
                                                         planned_on=d["planned_on"], weight=d["weight"]))
    elif action == "done":
        form = f.MilestoneDoneForm(P, F)
        ok = _run(form, lambda d: services.complete_milestone(actor=user, milestone_id=d["milestone"],
                                                              done_on=d["done_on"], note=d["note"],
                                                              photos=d["photos"]))
    elif action == "photo":
        form = f.PhotoForm(P, F)
        ok = _run(form, lambda d: services.add_photos(actor=user, item_id=pk, phase=d["phase"], photos=d["photos"]))
    elif action == "close":
        form = f.CloseForm(P, links=item.answers.select_related("item"))
        ok = _run(form, lambda d: services.close_project(actor=user, item_id=pk, reason=d["reason"],
                                                         outcomes=form.outcomes()))
    else:
        return error_page(request, NotFound(_("页面不存在"), code="not_found"))
    if ok:
        messages.success(request, _("已保存"))
        return redirect("lists:item", item_id=pk)
    item.refresh_from_db()
    return _item_page(request, item, bound={action: form}, status=400)


def _record_money(form, user, item) -> bool:
    """Show every error at once: the form's own (amount, date format) and the service's
    (date before the project, balance, voucher …). A bad amount reaches the service as
    None, which it refuses, so nothing is written."""
    form.is_valid()
    d = form.cleaned_data
    parse_errors = set(form.errors)
    if parse_errors - {"amount"}:
        return False
    line = d.get("budget_line")
    try:
        services.record_money(actor=user, item_id=item.pk, kind=d.get("kind"), amount_fen=d.get("amount_fen"),
                              on_date=d.get("on_date"), party=d.get("party", ""), source=d.get("source", ""),
                              budget_line_id=int(line) if line else None, show_name=bool(d.get("show_name")),
                              voucher=d.get("voucher_bytes"), note=d.get("note", ""))
    except DomainError as exc:
        f.add_domain_errors(form, Invalid("", errors=[e for e in exc.as_list()
                                                      if not (e["field"] == "amount" and "amount" in parse_errors)]))
        return False
    return True


@require_GET
def photo(request, photo_id: int):
    """A list photo: public with its item (stored re-encoded, without metadata)."""
    p = ItemPhoto.objects.select_related("item").filter(pk=photo_id).first()
    try:
        if p is None:
            raise NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found")
        if not p.item.is_public:
            require(request.user, Verb.LISTS_VIEW, p.item)
    except DomainError as exc:
        return error_page(request, exc)
    response = FileResponse(p.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@login_required
@require_GET
def voucher(request, entry_id: int):
    entry = MoneyEntry.objects.select_related("item").filter(pk=entry_id).exclude(voucher="").first()
    try:
        if entry is None:
            raise NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found")
        require(request.user, Verb.LISTS_VIEW, entry.item)
    except DomainError as exc:
        return error_page(request, exc)
    response = FileResponse(entry.voucher.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def receipt(request, entry_id: int):
    """A contributor's receipt (收据): to the contributor and to those who keep the money."""
    entry = MoneyEntry.objects.select_related("item", "item__place").filter(
        pk=entry_id, kind=MoneyEntry.Kind.RECEIPT).exclude(receipt_no="").first()
    if entry is None or not (entry.contributor_id == request.user.pk
                             or allowed(request.user, Verb.LISTS_FUND, entry.item)):
        return error_page(request, NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found"))
    return render_page(request, "lists/receipt.html", {
        "entry": entry, "reversed": MoneyEntry.objects.filter(reverses=entry).exists()})


@require_GET
def board(request, place_id: int):
    """The public page (公示) of a compound or community: no log-in needed."""
    place = Place.objects.select_related("kind").filter(pk=place_id).first()
    if place is None or not selectors.public_places(place):
        return error_page(request, NotFound(_("页面不存在"), code="not_found"))
    b = selectors.public_board(place)
    return render_page(request, "lists/board.html", {
        "b": b, "kinds": [(k, label, b.lists[k]) for k, label in Kind.choices], "today": timezone.localdate(),
        "printing": request.GET.get("print") == "1"})


@login_required
@require_GET
def figures(request, place_id: int):
    try:
        place = get_scoped(request.user, Place.objects.select_related("kind"), Verb.LISTS_VIEW, pk=place_id)
    except DomainError as exc:
        return error_page(request, exc)
    today = timezone.localdate()
    form = f.FigureForm(request.GET or {"start": today.replace(month=1, day=1), "end": today})
    figures_ = None
    if form.is_valid():
        d = form.cleaned_data
        figures_ = selectors.figures(request.user, place=place, start=d["start"], end=d["end"])
        figures_["rows"] = [(Kind(k).label, Status(s).label, n) for (k, s), n in
                            sorted(figures_["by_kind_status"].items())]
        figures_["sources"] = [(FundingSource(s).label, v) for s, v in figures_["raised_by_source"].items()]
    return render_page(request, "lists/figures.html", {"place": place, "form": form, "f": figures_})


@login_required
@require_GET
def ledger(request, place_id: int):
    """The three lists of a place as an xlsx ledger (台账) with Chinese headers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    try:
        place = get_scoped(request.user, Place.objects.all(), Verb.LISTS_VIEW, pk=place_id)
    except DomainError as exc:
        return error_page(request, exc)
    wb = Workbook()
    ws = wb.active
    ws.title = "三张清单台账"
    ws.append([f"{place.name} 三张清单台账（{timezone.localdate():%Y-%m-%d}）"])
    ws.append(selectors.LEDGER_HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in selectors.ledger_rows(request.user, place):
        ws.append(row)
    for col, width in zip("ABCDEFGHIJKLMNOPQ", (6, 10, 28, 16, 14, 16, 10, 8, 12, 12, 12, 8, 12, 12, 12, 12, 8)):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename=\"ledger-{place.pk}.xlsx\""
    return response
