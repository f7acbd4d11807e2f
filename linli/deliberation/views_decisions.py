"""A minuted decision's outcomes on the meeting page: a list item or a case from the approved
decision (services_decisions), an agenda item's own address (for links from the list item and
the case back to the minutes), and the topic photos."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.scope import allowed
from linli.accounts.views import error_page
from linli.core.errors import DomainError, Forbidden, Invalid, NotFound

from . import rules_decisions, services_decisions
from .models import AgendaItem, TopicPhoto


def _visible_item(user, item_id: int) -> AgendaItem:
    item = AgendaItem.objects.select_related("meeting", "meeting__place__kind").filter(pk=item_id).first()
    if item is None or not allowed(user, "deliberation.view", item.meeting):
        raise NotFound(_("未找到该议程"), code="not_found")
    return item


@login_required
def agenda_item(request, item_id: int):
    """An agenda item's address: the meeting page at the item."""
    try:
        item = _visible_item(request.user, item_id)
    except DomainError as exc:
        return error_page(request, exc)
    return redirect(reverse("deliberation:meeting", args=[item.meeting_id]) + f"#item-{item.pk}")


def outcome_context(user, items) -> dict:
    """For the meeting page: what each item may become now (`rules_decisions.can`, the same
    answer the services give) and the lists' kinds (read through the app registry)."""
    for i in items:
        i.can_do = rules_decisions.abilities(user, i)
        i.prefill = services_decisions.decision_text(i)
    kinds = apps.get_model("lists", "Item")._meta.get_field("kind").choices
    return {"list_kinds": kinds}


def _meeting_with_errors(request, item: AgendaItem, exc: DomainError, what: str):
    """Back to the meeting page with the errors shown under the item's form."""
    from .views import meeting_page

    request.decision_errors = {"item": item.pk, "what": what, "errors": exc.as_list()}
    request.method = "GET"
    return meeting_page(request, item.meeting_id)


@login_required
@require_POST
def item_list_item(request, item_id: int):
    try:
        item = _visible_item(request.user, item_id)
    except DomainError as exc:
        return error_page(request, exc)
    P = request.POST
    try:
        due = None
        if P.get("due_date"):
            due = parse_date(P["due_date"])
            if due is None:
                raise Invalid(_("日期格式应为 年-月-日"), code="invalid_date", field="due_date")
        list_item = services_decisions.decision_to_list_item(
            actor=request.user, item_id=item.pk, kind=P.get("kind", ""), title=P.get("title", ""),
            description=P.get("description", ""), due_date=due)
    except (DomainError, ValueError) as exc:
        if not isinstance(exc, DomainError):
            exc = Invalid(_("请求无效"), code="invalid")
        if isinstance(exc, (Forbidden, NotFound)) and not exc.field:
            return error_page(request, exc)
        return _meeting_with_errors(request, item, exc, "list_item")
    messages.success(request, _("会议决定已列入清单：%(title)s") % {"title": list_item.title})
    return redirect(reverse("deliberation:meeting", args=[item.meeting_id]) + f"#item-{item.pk}")


@login_required
@require_POST
def item_case(request, item_id: int):
    try:
        item = _visible_item(request.user, item_id)
    except DomainError as exc:
        return error_page(request, exc)
    try:
        case = services_decisions.decision_to_case(actor=request.user, item_id=item.pk,
                                                   text=request.POST.get("text", ""))
    except DomainError as exc:
        if isinstance(exc, (Forbidden, NotFound)) and not exc.field:
            return error_page(request, exc)
        return _meeting_with_errors(request, item, exc, "case")
    messages.success(request, _("会议决定已生成工单：%(number)s") % {"number": case.number})
    return redirect(reverse("deliberation:meeting", args=[item.meeting_id]) + f"#item-{item.pk}")


@login_required
def topic_photo(request, photo_id: int):
    """A topic photo, to those who see the topic (stored without metadata)."""
    photo = TopicPhoto.objects.select_related("topic").filter(pk=photo_id).first()
    if photo is None or not (allowed(request.user, "deliberation.view", photo.topic)
                             or photo.topic.proposer_id == request.user.pk):
        return error_page(request, NotFound(_("未找到该照片"), code="not_found"))
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
