"""Staff pages for two verbs that had only services: manual service hours for a person of
the community (民政部: whoever organises records and certifies; a reason, audited) and a
waiting participant's priority with a reason (the promotion order is the service's).
Thin: parse, call the service, shape; every field error at once."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from linli.accounts.pages import add_domain_errors, chosen_community, error_page, render_page
from linli.accounts.roles import Verb
from linli.accounts.scope import get_scoped, scoped
from linli.core.errors import DomainError, Invalid, NotFound
from linli.places.models import Place

from . import selectors, services, volunteers
from .models import Activity, Participation


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _not_found():
    return NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found")


def _community(request):
    """The community the page is about, among those where the user manages volunteers."""
    return chosen_community(request, list(
        scoped(request.user, Place.objects.filter(kind__code="community"), Verb.VOLUNTEER_MANAGE)
        .order_by("path")[:200]))


class ManualHoursForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput, required=False)
    minutes = forms.IntegerField(label=gettext_lazy("服务时长（分钟）"), min_value=1, max_value=services.MAX_MINUTES,
                                 error_messages={"required": gettext_lazy("请填写服务时长"),
                                                 "invalid": gettext_lazy("服务时长须为整数分钟"),
                                                 "min_value": gettext_lazy("服务时长须为 1 至 1440 分钟"),
                                                 "max_value": gettext_lazy("服务时长须为 1 至 1440 分钟")})
    served_on = forms.DateField(label=gettext_lazy("服务日期"), widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"required": gettext_lazy("请填写服务日期"),
                                                "invalid": gettext_lazy("日期格式不正确")})
    reason = forms.CharField(label=gettext_lazy("登记理由"), max_length=300,
                             help_text=gettext_lazy("例如：疫情期间值守卡口，无活动记录"),
                             error_messages={"required": gettext_lazy("手工登记时长须填写理由")})

    def clean_served_on(self):
        day = self.cleaned_data["served_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("服务日期不能晚于今天"))
        return day


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def manual_hours(request):
    """Find a person of the community by name or full mobile and record hours they served
    with no activity record; the hours join their volunteer record and certificate."""
    from linli.accounts.models import User

    try:
        community, communities = _community(request)
    except DomainError as exc:
        return error_page(request, exc)
    query = (request.GET.get("q") or "").strip()
    found = selectors.people_in(community, query=query)
    form = ManualHoursForm(request.POST or None, initial={"person": request.GET.get("person"),
                                                          "served_on": timezone.localdate()})
    chosen_id = _int_or_none(request.POST.get("person") if request.method == "POST" else request.GET.get("person"))
    chosen = User.objects.filter(pk=chosen_id, is_active=True).first() if chosen_id else None
    if chosen is not None and not volunteers.belongs_to(chosen, community.path):
        chosen = None
    if request.method == "POST":
        if chosen is None:
            form.add_error(None, _("请先选择本社区的居民"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.add_manual_hours(actor=request.user, person_id=chosen.pk, community_id=community.pk,
                                          minutes=d["minutes"], served_on=d["served_on"], reason=d["reason"])
                messages.success(request, _("已为%(name)s登记 %(n)s 分钟服务时长") % {
                    "name": chosen.display_name or chosen.username, "n": d["minutes"]})
                return redirect(f"{reverse('activities:manual_hours')}?community={community.pk}")
            except DomainError as exc:
                add_domain_errors(form, exc, aliases={"person_id": None, "community_id": None})
    return render_page(request, "activities/manual_hours.html", {
        "community": community, "communities": communities, "form": form, "query": query, "found": found,
        "chosen": chosen, "recent": selectors.manual_hours_in(community)},
        status=400 if form.errors else 200)


@login_required
@require_POST
def set_priority(request, pk: int):
    """A waiting participant's priority, with a reason, from the manage page; the service
    checks the verb, the range and the reason; the list shows the new waiting order."""
    try:
        activity = get_scoped(request.user, Activity.objects.all(), Verb.ACTIVITY_MANAGE, pk=pk)
        p = Participation.objects.filter(pk=_int_or_none(request.POST.get("participation")) or 0,
                                         activity=activity).first()
        if p is None:
            raise _not_found()
    except DomainError as exc:
        return error_page(request, exc)
    raw = (request.POST.get("priority") or "").strip()
    priority = _int_or_none(raw)
    try:
        if p.status != Participation.Status.WAITING:
            raise Invalid(_("只能调整候补中的报名"), code="not_waiting")
        if priority is None:
            problems = [_("优先级须为 -100 至 100 的整数")]
            if not (request.POST.get("reason") or "").strip():
                problems.append(_("调整候补顺序须填写理由"))
            for message in problems:
                messages.error(request, message)
            return redirect("activities:manage", pk=activity.pk)
        services.set_priority(actor=request.user, participation_id=p.pk, priority=priority,
                              reason=request.POST.get("reason", ""))
        messages.success(request, _("已调整%(name)s的候补顺序") % {"name": p.person.display_name or p.person.username})
    except DomainError as exc:
        for error in exc.as_list():
            messages.error(request, error["message"])
    return redirect("activities:manage", pk=activity.pk)
