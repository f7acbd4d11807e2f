"""我的消息: a person's in-app notices with the unread count in the top bar."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import selectors, services


def unread(request) -> dict:
    """Context processor: the unread count, counted only when a page shows it."""
    return {"unread_notices": SimpleLazyObject(lambda: selectors.unread_count(actor=request.user))}


@login_required
def inbox(request):
    page = Paginator(selectors.inbox(actor=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notify/inbox.html", {"page": page, "rows": list(page.object_list)})


@login_required
@require_POST
def open_notice(request, notification_id: int):
    """Mark one notice read and follow its link (to a page of this site only)."""
    services.mark_read(actor=request.user, notification_ids=[notification_id])
    url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        url = ""
    return redirect(url or "notify:inbox")


@login_required
@require_POST
def read_all(request):
    services.mark_read(actor=request.user)
    return redirect("notify:inbox")
