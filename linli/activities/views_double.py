"""Staff pages of double reporting (双报到): register a partner unit in a community, pair it
with the community or one of its grids (1+1 / N+1), register an employed party member with
the grid they serve. Thin: parse, call linli.activities.double_reporting, shape; every field
error at once next to its field (the form's own checks, then the service's)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from linli.accounts.forms import add_domain_errors
from linli.accounts.roles import Verb
from linli.accounts.scope import get_scoped, prefixes, scoped
from linli.accounts.views import error_page, render_page
from linli.core.errors import DomainError, NotFound
from linli.places.models import Place

from . import double_reporting as dr
from .models import PartnerUnit

# The service's field names onto the forms' own.
ALIASES = {"community_id": "community", "place_id": "place", "grid_id": "grid", "unit_id": "unit",
           "person_id": None}


def _out_of_reach(request):
    return error_page(request, NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found"))


def _places(user, kinds):
    return list(scoped(user, Place.objects.filter(kind__code__in=kinds), Verb.VOLUNTEER_MANAGE)
                .order_by("path")[:300])


class UnitForm(forms.Form):
    community = forms.TypedChoiceField(label=gettext_lazy("社区"), coerce=int,
                                       error_messages={"required": gettext_lazy("请选择社区")})
    name = forms.CharField(label=gettext_lazy("单位名称"), max_length=100,
                           error_messages={"required": gettext_lazy("请填写单位名称")})
    party_branch = forms.CharField(label=gettext_lazy("党组织"), max_length=100, required=False)
    contact = forms.CharField(label=gettext_lazy("联系人"), max_length=50, required=False)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def unit_new(request):
    if prefixes(request.user, Verb.VOLUNTEER_MANAGE) == []:
        return _out_of_reach(request)
    communities = _places(request.user, ("community",))
    form = UnitForm(request.POST or None)
    form.fields["community"].choices = [("", "—")] + [(c.pk, c.name) for c in communities]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            unit = dr.register_unit(actor=request.user, community_id=d["community"], name=d["name"],
                                    party_branch=d["party_branch"], contact=d["contact"])
            messages.success(request, _("已登记共建单位%(unit)s") % {"unit": unit.name})
            return redirect("activities:unit", pk=unit.pk)
        except DomainError as exc:
            add_domain_errors(form, exc, aliases=ALIASES)
    return render_page(request, "activities/unit_new.html", {"form": form},
                       status=400 if form.errors else 200)


class PairForm(forms.Form):
    place = forms.TypedChoiceField(label=gettext_lazy("结对地点"), coerce=int,
                                   error_messages={"required": gettext_lazy("请选择结对的社区或网格")})
    pledges = forms.CharField(label=gettext_lazy("共建承诺"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": gettext_lazy("请填写共建承诺")})
    since = forms.DateField(label=gettext_lazy("结对日期"), widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"required": gettext_lazy("请填写结对日期"),
                                            "invalid": gettext_lazy("请填写正确的日期")})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def unit(request, pk: int):
    """A unit: its pairings (with the grids of its community, 1+1 / N+1) and the form to add one."""
    try:
        found = get_scoped(request.user, PartnerUnit.objects.select_related("community", "liaison"),
                           Verb.VOLUNTEER_MANAGE, pk=pk)
    except DomainError as exc:
        return error_page(request, exc)
    places = [p for p in _places(request.user, ("community", "grid")) if p.path.startswith(found.path)]
    form = PairForm(request.POST or None)
    form.fields["place"].choices = [("", "—")] + [(p.pk, p.name) for p in places]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            pairing = dr.pair(actor=request.user, unit_id=found.pk, place_id=d["place"], pledges=d["pledges"],
                              since=d["since"])
            messages.success(request, _("已与%(place)s结对") % {"place": pairing.place.name})
            return redirect("activities:unit", pk=found.pk)
        except DomainError as exc:
            add_domain_errors(form, exc, aliases=ALIASES)
    pairings = list(found.pairings.select_related("place").order_by("since", "id"))
    members = list(found.members.select_related("grid").order_by("registered_on", "id")[:300])
    return render_page(request, "activities/unit.html", {
        "unit": found, "pairings": pairings, "members": members, "form": form},
        status=400 if form.errors else 200)


class MemberForm(forms.Form):
    grid = forms.TypedChoiceField(label=gettext_lazy("服务网格"), coerce=int,
                                  error_messages={"required": gettext_lazy("请选择服务网格")})
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50,
                           error_messages={"required": gettext_lazy("请填写姓名")})
    unit = forms.TypedChoiceField(label=gettext_lazy("工作单位"), coerce=int, required=False, empty_value=None)
    party_branch = forms.CharField(label=gettext_lazy("所在党支部"), max_length=100,
                                   error_messages={"required": gettext_lazy("请填写所在党支部")})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def member_new(request):
    if prefixes(request.user, Verb.VOLUNTEER_MANAGE) == []:
        return _out_of_reach(request)
    grids = _places(request.user, ("grid",))
    units = list(scoped(request.user, PartnerUnit.objects.all(), Verb.VOLUNTEER_MANAGE).order_by("name")[:300])
    form = MemberForm(request.POST or None, initial={"unit": request.GET.get("unit")})
    form.fields["grid"].choices = [("", "—")] + [(g.pk, g.name) for g in grids]
    form.fields["unit"].choices = [("", _("（未登记单位）"))] + [(u.pk, u.name) for u in units]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            member = dr.register_member(actor=request.user, grid_id=d["grid"], name=d["name"], unit_id=d["unit"],
                                        party_branch=d["party_branch"])
            messages.success(request, _("%(name)s已报到") % {"name": member.name})
            if member.unit_id:
                return redirect("activities:unit", pk=member.unit_id)
            return redirect("activities:members")
        except DomainError as exc:
            add_domain_errors(form, exc, aliases=ALIASES)
    return render_page(request, "activities/member_new.html", {"form": form},
                       status=400 if form.errors else 200)
