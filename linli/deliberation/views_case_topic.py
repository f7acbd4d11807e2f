"""A case becomes a topic in one action, from the topics page: a staff member who may convene
at the case's place gives its number. The case is found through the app registry (feature
apps do not import each other); the service checks the permission and publishes the event the
cases app follows with its timeline entry."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import DomainError, NotFound

from . import services_meetings as sm


@login_required
@require_POST
def topic_from_case(request):
    number = (request.POST.get("case") or "").strip()
    Case = apps.get_model("cases", "Case")
    case_id = Case.objects.filter(number=number).values_list("pk", flat=True).first() if number else None
    try:
        if case_id is None:
            raise NotFound(_("未找到该诉求"), code="not_found", field="case")
        topic = sm.topic_from_case(actor=request.user, case_id=case_id, title=request.POST.get("title", "").strip())
    except DomainError as exc:
        for e in exc.as_list():
            messages.error(request, e["message"])
        return redirect("deliberation:topics")
    messages.success(request, _("诉求已转为议题"))
    return redirect("deliberation:topic", topic_id=topic.pk)
