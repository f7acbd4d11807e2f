"""The points shop's staff pages (issue 14 §4–§5): earning rules, goods and their stock,
redemptions, points given by hand and corrections, a person's points history.

Each page is for community staff holding `points.manage`: the community comes from
`?community=` among the communities in their reach (the first by default), and an object
outside that reach is "not found", as the services say. Every change is a service call; a
service's errors come back next to the form's fields (`add_domain_errors`)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.accounts.pages import add_domain_errors, chosen_community, error_page, render_page
from linli.accounts.roles import Verb
from linli.accounts.scope import get_scoped
from linli.core.errors import DomainError, Invalid, NotFound

from . import selectors, services, services_staff
from .models import EarningRule, Good, PointAccount, PointTransfer, Redemption, StockEntry
from .services_staff import StockSource


def _not_found():
    return NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found")


def _community(request):
    """The community a staff page is about, among those the user manages (accounts.pages)."""
    return chosen_community(request, selectors.managed_communities(request.user))


def _url(name: str, community, *args) -> str:
    return f"{reverse(name, args=args)}?community={community.pk}"


def _ctx(section: str, community, communities, **extra) -> dict:
    return {"section": section, "community": community, "communities": communities, **extra}


def _int_or_none(value):
    return int(value) if value not in (None, "") else None


# ---------------------------------------------------------------- earning rules


class RuleForm(forms.Form):
    # The service judges ranges and what is required, so every error reads the same on the
    # page and in the API; the form only parses.
    trigger = forms.ChoiceField(label=gettext_lazy("积分来源"), choices=[("", "—"), *EarningRule.Trigger.choices],
                                required=False)
    name = forms.CharField(label=gettext_lazy("规则名称"), max_length=100, required=False)
    points = forms.IntegerField(label=gettext_lazy("每次积分"), required=False)
    daily_cap = forms.IntegerField(label=gettext_lazy("每日上限（留空不限）"), required=False)
    monthly_cap = forms.IntegerField(label=gettext_lazy("每月上限（留空不限）"), required=False)
    valid_days = forms.IntegerField(label=gettext_lazy("有效天数（留空永不过期）"), required=False)


@never_cache
@login_required
@require_GET
def rules(request):
    try:
        community, communities = _community(request)
    except DomainError as exc:
        return error_page(request, exc)
    return render_page(request, "points/staff/rules.html", _ctx(
        "rules", community, communities, rules=selectors.rules_of(community),
        month=selectors.month_start()))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int | None = None):
    try:
        if pk is not None:
            rule = get_scoped(request.user, EarningRule.objects.select_related("community"), Verb.POINTS_MANAGE,
                              pk=pk)
            community, communities = rule.community, selectors.managed_communities(request.user)
        else:
            rule = None
            community, communities = _community(request)
    except DomainError as exc:
        return error_page(request, exc)
    initial = ({f: getattr(rule, f) for f in ("trigger", "name", "points", "daily_cap", "monthly_cap",
                                              "valid_days")} if rule else {})
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            saved = services.save_rule(actor=request.user, community_id=community.pk, trigger=d["trigger"],
                                       name=d["name"], points=d["points"], daily_cap=d["daily_cap"],
                                       monthly_cap=d["monthly_cap"], valid_days=d["valid_days"],
                                       rule_id=rule.pk if rule else None)
            messages.success(request, _("积分规则已保存：%(name)s") % {"name": saved.name})
            return redirect(_url("points:staff_rules", community))
        except DomainError as exc:
            add_domain_errors(form, exc, aliases={"community_id": None, "rule_id": None})
    return render_page(request, "points/staff/rule_form.html", _ctx("rules", community, communities, form=form,
                                                                     rule=rule),
                       status=400 if form.errors else 200)


@login_required
@require_POST
def rule_active(request, pk: int):
    try:
        rule = get_scoped(request.user, EarningRule.objects.select_related("community"), Verb.POINTS_MANAGE, pk=pk)
        active = request.POST.get("active") == "1"
        services_staff.set_rule_active(actor=request.user, rule_id=rule.pk, active=active)
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(request, _("已启用规则") if active else _("已停用规则"))
    return redirect(_url("points:staff_rules", rule.community))


# ---------------------------------------------------------------- goods and stock


class GoodForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("商品名称"), max_length=100, required=False)
    price = forms.IntegerField(label=gettext_lazy("所需积分"), required=False)
    donor = forms.CharField(label=gettext_lazy("捐赠单位（留空表示用经费购买）"), max_length=100, required=False,
                            widget=forms.TextInput(attrs={"list": "partner-units"}))
    description = forms.CharField(label=gettext_lazy("说明"), max_length=300, required=False)
    is_active = forms.BooleanField(label=gettext_lazy("上架"), required=False, initial=True)


class NewGoodForm(GoodForm):
    """A new good's donor is its first stock-in's (a donation's unit, else the funds)."""

    donor = None


class StockInForm(forms.Form):
    quantity = forms.IntegerField(label=gettext_lazy("入库数量"), required=False)
    source = forms.ChoiceField(label=gettext_lazy("来源"), choices=StockSource.CHOICES, widget=forms.RadioSelect,
                               required=False)
    donor = forms.CharField(label=gettext_lazy("捐赠单位"), max_length=100, required=False,
                            widget=forms.TextInput(attrs={"list": "partner-units"}))
    reason = forms.CharField(label=gettext_lazy("入库事由"), max_length=300, required=False,
                             help_text=gettext_lazy("例如：县供电公司结对共建捐赠；2026年社区公益金采购"))


class CorrectionForm(forms.Form):
    delta = forms.IntegerField(label=gettext_lazy("调整数量（减少填负数）"), required=False)
    reason = forms.CharField(label=gettext_lazy("调整原因"), max_length=300, required=False,
                             help_text=gettext_lazy("例如：盘点少 2 件；破损报废"))


@never_cache
@login_required
@require_GET
def goods(request):
    try:
        community, communities = _community(request)
    except DomainError as exc:
        return error_page(request, exc)
    return render_page(request, "points/staff/goods.html", _ctx("goods", community, communities,
                                                                 goods=selectors.goods_of(community)))


def _stock_detail(entry: StockEntry) -> str:
    sign = "+" if entry.delta > 0 else ""
    text = f"{sign}{entry.delta}"
    source = (entry.data or {}).get("source")
    if source == StockSource.DONATION:
        text += " · " + _("%(d)s 捐赠") % {"d": entry.data.get("donor", "")}
    elif source == StockSource.PURCHASE:
        text += " · " + _("经费购买")
    return text


def _good_page(request, good: Good, community, communities, *, form=None, stock_form=None, correction_form=None,
               status=200):
    history = selectors.stock_history(good)
    for e in history:
        e.detail = _stock_detail(e)
    units = _partner_units(community)
    return render_page(request, "points/staff/good.html", _ctx(
        "goods", community, communities, good=good, history=history, units=units,
        form=form or GoodForm(initial={"name": good.name, "price": good.price, "donor": good.donor,
                                       "description": good.description, "is_active": good.is_active}),
        stock_form=stock_form or StockInForm(prefix="stock", initial={
            "source": StockSource.DONATION if good.donor else StockSource.PURCHASE, "donor": good.donor}),
        correction_form=correction_form or CorrectionForm(prefix="fix")), status=status)


def _partner_units(community) -> list[str]:
    """Names of the community's partner units (共建单位), offered as donors. Read by the
    model's name: points does not import activities (feature apps talk through events)."""
    from django.apps import apps

    try:
        unit = apps.get_model("activities", "PartnerUnit")
    except LookupError:
        return []
    return list(unit.objects.filter(path__startswith=community.path).order_by("name")
                .values_list("name", flat=True).distinct()[:100])


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def good_new(request):
    try:
        community, communities = _community(request)
    except DomainError as exc:
        return error_page(request, exc)
    form = NewGoodForm(request.POST or None)
    stock_form = StockInForm(request.POST or None, prefix="stock", initial={"source": StockSource.PURCHASE})
    if request.method == "POST" and form.is_valid() and stock_form.is_valid():
        d, s = form.cleaned_data, stock_form.cleaned_data
        failed = form
        try:
            # The good and its first stock-in are one step for the person: both or neither.
            with transaction.atomic():
                donor = s["donor"] if s["source"] == StockSource.DONATION and s["quantity"] else ""
                good = services.create_good(actor=request.user, community_id=community.pk, name=d["name"],
                                            price=d["price"], donor=donor, description=d["description"])
                if not d["is_active"]:
                    services_staff.update_good(actor=request.user, good_id=good.pk, name=good.name,
                                               price=good.price, donor=good.donor, description=good.description,
                                               is_active=False)
                if s["quantity"] or s["reason"]:
                    failed = stock_form
                    services_staff.stock_in(actor=request.user, good_id=good.pk, quantity=s["quantity"],
                                            source=s["source"], donor=s["donor"], reason=s["reason"])
            messages.success(request, _("商品已添加：%(name)s") % {"name": good.name})
            return redirect(_url("points:staff_good", community, good.pk))
        except DomainError as exc:
            add_domain_errors(failed, exc, aliases={"community_id": None, "good_id": None})
    return render_page(request, "points/staff/good_new.html", _ctx(
        "goods", community, communities, form=form, stock_form=stock_form, units=_partner_units(community)),
        status=400 if (form.errors or stock_form.errors) else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def good_detail(request, pk: int):
    """A good: edit it, stock in, correct the stock, and its stock history."""
    try:
        good = get_scoped(request.user, Good.objects.select_related("community"), Verb.POINTS_MANAGE, pk=pk)
    except DomainError as exc:
        return error_page(request, exc)
    community, communities = good.community, selectors.managed_communities(request.user)
    if request.method == "GET":
        return _good_page(request, good, community, communities)
    action = request.POST.get("action")
    # Three forms on one page: the stock forms carry a prefix, so no two inputs share an id.
    forms_by_action = {"edit": (GoodForm, None), "stock_in": (StockInForm, "stock"), "correct": (CorrectionForm, "fix")}
    if action not in forms_by_action:
        return error_page(request, _not_found())
    form_class, prefix = forms_by_action[action]
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action == "edit":
                services_staff.update_good(actor=request.user, good_id=good.pk, name=d["name"], price=d["price"],
                                           donor=d["donor"], description=d["description"],
                                           is_active=d["is_active"])
                messages.success(request, _("商品已保存"))
            elif action == "stock_in":
                services_staff.stock_in(actor=request.user, good_id=good.pk, quantity=d["quantity"],
                                        source=d["source"], donor=d["donor"], reason=d["reason"])
                messages.success(request, _("已入库 %(n)s 件") % {"n": d["quantity"]})
            else:
                services_staff.correct_stock(actor=request.user, good_id=good.pk, delta=d["delta"],
                                             reason=d["reason"])
                messages.success(request, _("库存已调整"))
            return redirect(_url("points:staff_good", community, good.pk))
        except DomainError as exc:
            add_domain_errors(form, exc, aliases={"good_id": None})
    good.refresh_from_db()
    key = {"edit": "form", "stock_in": "stock_form", "correct": "correction_form"}[action]
    return _good_page(request, good, community, communities, status=400, **{key: form})


# ---------------------------------------------------------------- redemptions


def _date(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@never_cache
@login_required
@require_GET
def redemptions(request):
    """The shop's redemptions, filtered by status, good and period; staff cancel with a reason."""
    try:
        community, communities = _community(request)
    except DomainError as exc:
        return error_page(request, exc)
    status = request.GET.get("status") if request.GET.get("status") in Redemption.Status.values else ""
    good_id = request.GET.get("good")
    good_id = int(good_id) if good_id and good_id.isdigit() else None
    date_from, date_to = _date(request.GET.get("from")), _date(request.GET.get("to"))
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(date_from, dt.time.min, zone) if date_from else None
    until = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, zone) if date_to else None
    rows = list(selectors.staff_redemptions(request.user, community=community, status=status, good_id=good_id,
                                            since=since, until=until))
    return render_page(request, "points/staff/redemptions.html", _ctx(
        "redemptions", community, communities, rows=rows, statuses=Redemption.Status.choices, status=status,
        good_id=good_id, goods=selectors.goods_of(community), date_from=date_from, date_to=date_to))


@login_required
@require_POST
def redemption_cancel(request, pk: int):
    try:
        found = get_scoped(request.user, Redemption.objects.select_related("good__community"), Verb.POINTS_MANAGE,
                           pk=pk)
    except DomainError as exc:
        return error_page(request, exc)
    try:
        services.cancel_redemption(actor=request.user, redemption_id=found.pk, reason=request.POST.get("reason", ""))
        messages.success(request, _("已取消兑换，积分和库存已退回"))
    except DomainError as exc:
        messages.error(request, exc.message)
    back = request.POST.get("next") or ""
    if not back.startswith("/points/manage/redemptions/"):
        back = _url("points:staff_redemptions", found.good.community)
    return redirect(back)


# ---------------------------------------------------------------- manual awards and corrections


class AwardForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput, required=False)
    points = forms.IntegerField(label=gettext_lazy("积分"), required=False)
    reason = forms.CharField(label=gettext_lazy("发放理由"), max_length=300, required=False,
                             help_text=gettext_lazy("例如：参与邻里纠纷调解"))
    valid_days = forms.IntegerField(label=gettext_lazy("有效天数（留空永不过期）"), required=False)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def award(request):
    """Find a person of the community by name or mobile and give them points by hand."""
    try:
        community, communities = _community(request)
    except DomainError as exc:
        return error_page(request, exc)
    query = (request.GET.get("q") or "").strip()
    found = selectors.people_in(community, query=query)
    form = AwardForm(request.POST or None, initial={"person": request.GET.get("person")})
    chosen_id = _int_or_none(request.POST.get("person") if request.method == "POST" else request.GET.get("person"))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["person"] is None:
                raise Invalid(_("请先选择居民"), code="person_required", field="person_id")
            services.manual_award(actor=request.user, person_id=d["person"], community_id=community.pk,
                                  points=d["points"], reason=d["reason"], valid_days=d["valid_days"])
            messages.success(request, _("已发放 %(n)s 积分") % {"n": d["points"]})
            return redirect(_url("points:staff_person", community, d["person"]))
        except DomainError as exc:
            add_domain_errors(form, exc, aliases={"person_id": None, "community_id": None})
    chosen = None
    if chosen_id:
        from linli.accounts.models import User

        chosen = User.objects.filter(pk=chosen_id).first()
        if chosen is not None and not services.belongs_to(chosen, community):
            chosen = None
    return render_page(request, "points/staff/award.html", _ctx(
        "award", community, communities, form=form, query=query, found=found, chosen=chosen),
        status=400 if form.errors else 200)


@never_cache
@login_required
@require_GET
def person(request, pk: int):
    """A person's points in the community for staff: balance, every movement, reversals."""
    from linli.accounts.models import User

    try:
        community, communities = _community(request)
        who = User.objects.filter(pk=pk).select_related("resident").first()
        if who is None or not services.belongs_to(who, community):
            raise _not_found()
    except DomainError as exc:
        return error_page(request, exc)
    account = PointAccount.objects.filter(owner=who, community=community).first()
    return render_page(request, "points/staff/person.html", _ctx(
        "award", community, communities, who=who, balance=account.balance if account else 0,
        entries=selectors.person_history(person=who, community=community)))


@login_required
@require_POST
def reverse_transfer(request, pk: int):
    try:
        transfer = get_scoped(request.user, PointTransfer.objects.all(), Verb.POINTS_MANAGE, pk=pk)
        community, _communities = _community(request)
    except DomainError as exc:
        return error_page(request, exc)
    try:
        services.reverse_transfer(actor=request.user, transfer_id=transfer.pk, reason=request.POST.get("reason", ""))
        messages.success(request, _("已冲正"))
    except DomainError as exc:
        messages.error(request, exc.message)
    who = _int_or_none(request.POST.get("person"))
    if who:
        return redirect(_url("points:staff_person", community, who))
    return redirect(_url("points:staff_award", community))
