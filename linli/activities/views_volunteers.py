"""Pages for volunteers and teams, registered members' yearly evaluation, and grid posts
with their claims: the resident's and member's phone pages and the staff pages. Thin:
parse, call a service or selector, shape; a domain error is shown on the page it came from."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.accounts.forms import add_domain_errors
from linli.accounts.roles import Verb
from linli.accounts.scope import allowed, get_scoped, prefixes, scoped
from linli.accounts.views import error_page, render_page
from linli.core.errors import DomainError, NotFound
from linli.places.models import Place

from . import double_reporting as dr
from . import selectors, services, volunteers
from .models import (SKILLS, SLOTS, MemberEvaluation, MemberRegistration, PartnerUnit, Post, PostClaim,
                     Team, TeamMember, VolunteerProfile)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _out_of_reach(request):
    return error_page(request, NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found"))


# ---------------------------------------------------------------- the resident's profile


class ProfileForm(forms.Form):
    skills = forms.MultipleChoiceField(label=gettext_lazy("特长"), choices=SKILLS, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    skills_note = forms.CharField(label=gettext_lazy("其他特长"), required=False, max_length=300)
    availability = forms.MultipleChoiceField(label=gettext_lazy("可服务时段"), choices=SLOTS, required=False,
                                             widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=gettext_lazy("接受服务邀请"), required=False, initial=True)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    mine = VolunteerProfile.objects.filter(person=request.user).first()
    initial = ({"skills": mine.skill_codes, "skills_note": mine.skills_note, "availability": mine.slot_codes,
                "is_active": mine.is_active} if mine else None)
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            volunteers.save_profile(actor=request.user, skills=d["skills"], skills_note=d["skills_note"],
                                    availability=d["availability"], is_active=d["is_active"])
            messages.success(request, _("志愿者档案已保存"))
            return redirect("activities:volunteer_profile")
        except DomainError as exc:
            add_domain_errors(form, exc)
    teams = list(TeamMember.objects.filter(person=request.user, left_on__isnull=True).select_related("team"))
    return render_page(request, "activities/profile.html", {"form": form, "profile": mine, "teams": teams},
                       status=400 if form.errors else 200)


# ---------------------------------------------------------------- staff: find volunteers


@never_cache
@login_required
@require_GET
def volunteer_search(request):
    if prefixes(request.user, Verb.VOLUNTEER_MANAGE) == []:
        return _out_of_reach(request)
    skill, slot = request.GET.get("skill", ""), request.GET.get("slot", "")
    skill = skill if skill in dict(SKILLS) else ""
    slot = slot if slot in dict(SLOTS) else ""
    rows = list(selectors.volunteers(request.user, skill=skill, slot=slot))
    return render_page(request, "activities/volunteers.html", {
        "rows": rows, "skills": SKILLS, "slots": SLOTS, "skill": skill, "slot": slot,
        "can_unmask": allowed(request.user, Verb.RESIDENT_UNMASK, rows[0]) if rows else False})


@never_cache
@login_required
@require_POST
def volunteer_phone(request, pk: int):
    """The full phone of a volunteer, through the audited reveal of the resident record."""
    from linli.places.services import reveal_resident_pii

    try:
        found = get_scoped(request.user, VolunteerProfile.objects.select_related("person"), Verb.VOLUNTEER_MANAGE,
                           pk=pk)
        if found.person.resident_id is None:
            raise NotFound(_("该志愿者没有关联居民档案，无法查看完整电话"), code="no_resident")
        revealed = reveal_resident_pii(actor=request.user, resident_id=found.person.resident_id,
                                       reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("activities:volunteers")
    return render_page(request, "activities/volunteer_phone.html", {"profile": found, "phone": revealed["phone"]})


# ---------------------------------------------------------------- teams


class TeamForm(forms.Form):
    community = forms.TypedChoiceField(label=gettext_lazy("社区"), coerce=int)
    name = forms.CharField(label=gettext_lazy("队伍名称"), max_length=100, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("队伍类型"), choices=Team.Kind.choices)
    description = forms.CharField(label=gettext_lazy("队伍简介"), max_length=300, required=False)


def _home_community(user) -> Place | None:
    home = volunteers.home_path(user)
    return volunteers.community_over(home) if home else None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def teams(request):
    """The teams of my community (to join) and, for staff, of their reach (to create)."""
    home = _home_community(request.user)
    staff_places = list(scoped(request.user, Place.objects.filter(kind__code="community"), Verb.VOLUNTEER_MANAGE)
                        .order_by("path")[:100])
    paths = sorted({p.path for p in staff_places} | ({home.path} if home else set()))
    form = None
    if staff_places:
        form = TeamForm(request.POST or None)
        form.fields["community"].choices = [(p.pk, p.name) for p in staff_places]
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                team = volunteers.create_team(actor=request.user, community_id=d["community"], name=d["name"],
                                              kind=d["kind"], description=d["description"])
                messages.success(request, _("队伍已建立"))
                return redirect("activities:team", pk=team.pk)
            except DomainError as exc:
                add_domain_errors(form, exc)
    elif request.method == "POST":
        return _out_of_reach(request)
    mine = set(TeamMember.objects.filter(person=request.user, left_on__isnull=True).values_list("team_id", flat=True))
    rows = list(selectors.teams_for(request.user, under_paths=paths)[:200])
    return render_page(request, "activities/teams.html", {"rows": rows, "mine": mine, "form": form},
                       status=400 if form is not None and form.errors else 200)


def _team(pk: int) -> Team:
    found = Team.objects.select_related("community").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("未找到该队伍"), code="not_found")
    return found


@never_cache
@login_required
@require_GET
def team(request, pk: int):
    try:
        found = _team(pk)
    except DomainError as exc:
        return error_page(request, exc)
    members = list(found.members.filter(left_on__isnull=True).select_related("person")
                   .order_by("-is_leader", "joined_on", "id"))
    mine = next((m for m in members if m.person_id == request.user.pk), None)
    is_staff = allowed(request.user, Verb.VOLUNTEER_MANAGE, found)
    if mine is None and not is_staff and not volunteers.belongs_to(request.user, found.path):
        return _out_of_reach(request)
    acts = list(selectors.with_counts(found.activities.all()).order_by("-starts_at")[:30])
    return render_page(request, "activities/team.html", {
        "team": found, "members": members, "mine": mine, "is_staff": is_staff,
        "can_join": volunteers.why_not_join(request.user, found) is None,
        "can_run": mine is not None and mine.is_leader or allowed(request.user, Verb.ACTIVITY_MANAGE, found.path),
        "activities": acts, "now": timezone.now()})


TEAM_ACTIONS = {
    "join": lambda r, t: volunteers.join_team(actor=r.user, team_id=t.pk),
    "leave": lambda r, t: volunteers.leave_team(actor=r.user, membership_id=_int(r.POST.get("membership")) or 0,
                                                reason=r.POST.get("reason", "")),
    "lead": lambda r, t: volunteers.set_leader(actor=r.user, membership_id=_int(r.POST.get("membership")) or 0,
                                               leader=True),
    "unlead": lambda r, t: volunteers.set_leader(actor=r.user, membership_id=_int(r.POST.get("membership")) or 0,
                                                 leader=False),
}
TEAM_DONE = {"join": gettext_lazy("已加入队伍"), "leave": gettext_lazy("已离队"), "lead": gettext_lazy("已设为队长"),
             "unlead": gettext_lazy("已取消队长")}


@login_required
@require_POST
def team_act(request, pk: int, action: str):
    if action not in TEAM_ACTIONS:
        return error_page(request, NotFound(_("页面不存在"), code="not_found"))
    try:
        found = _team(pk)
        membership = _int(request.POST.get("membership"))
        if membership is not None and not TeamMember.objects.filter(pk=membership, team=found).exists():
            raise NotFound(_("未找到该队员"), code="not_found")
        TEAM_ACTIONS[action](request, found)
        messages.success(request, TEAM_DONE[action])
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("activities:team", pk=pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def team_new_activity(request, pk: int):
    """A team's leader (or staff) publishes an activity of the team, in the team's community."""
    from .views import ActivityForm

    try:
        found = _team(pk)
    except DomainError as exc:
        return error_page(request, exc)
    if not volunteers.can_run_activities(request.user, found):
        return _out_of_reach(request)
    places = Place.objects.filter(path__startswith=found.path, kind__code__in=["community", "grid", "compound"]) \
        .order_by("path")[:200]
    form = ActivityForm(request.POST or None)
    form.fields["place"].choices = [(p.pk, p.name) for p in places]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            activity = services.create_activity(
                actor=request.user, place_id=d["place"], kind=d["kind"], title=d["title"], venue=d["venue"],
                starts_at=d["starts_at"], ends_at=d["ends_at"], capacity=d["capacity"], points=d["points"],
                service_minutes=d["service_minutes"] or 0, description=d["description"], team_id=found.pk)
            messages.success(request, _("活动已发布"))
            return redirect("activities:manage", pk=activity.pk)
        except DomainError as exc:
            add_domain_errors(form, exc)
    return render_page(request, "activities/new.html", {"form": form, "team": found},
                       status=400 if form.errors else 200)


# ---------------------------------------------------------------- registered members and evaluation


def _year(request) -> int:
    year = _int(request.GET.get("year")) or timezone.localdate().year
    return year if 2000 <= year <= timezone.localdate().year else timezone.localdate().year


@never_cache
@login_required
@require_GET
def members(request):
    """Registered party members in reach, by grid or unit, with this year's record and grade."""
    if prefixes(request.user, Verb.VOLUNTEER_MANAGE) == []:
        return _out_of_reach(request)
    year = _year(request)
    grid_id, unit_id = _int(request.GET.get("grid")), _int(request.GET.get("unit"))
    rows = list(selectors.registered_members(request.user, grid_id=grid_id, unit_id=unit_id))
    records = selectors.member_year_records(rows, year)
    grades = dict(MemberEvaluation.objects.filter(member__in=rows, year=year).values_list("member_id", "grade"))
    labels = dict(MemberEvaluation.Grade.choices)
    for m in rows:
        m.record, m.grade = records[m.pk], labels.get(grades.get(m.pk))
        m.hours = m.record["minutes"] / 60
    grids = scoped(request.user, Place.objects.filter(kind__code="grid"), Verb.VOLUNTEER_MANAGE).order_by("path")[:300]
    units = scoped(request.user, PartnerUnit.objects.all(), Verb.VOLUNTEER_MANAGE).order_by("path", "name")[:300]
    return render_page(request, "activities/members.html", {
        "rows": rows, "year": year, "grids": grids, "units": units, "grid_id": grid_id, "unit_id": unit_id})


class EvaluationForm(forms.Form):
    grade = forms.ChoiceField(label=gettext_lazy("评价等次"), choices=MemberEvaluation.Grade.choices,
                              widget=forms.RadioSelect)
    comment = forms.CharField(label=gettext_lazy("社区评语"), widget=forms.Textarea(attrs={"rows": 3}),
                              max_length=600, required=False)
    reason = forms.CharField(label=gettext_lazy("更改等次的理由"), max_length=300, required=False)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def evaluate(request, pk: int):
    try:
        member = get_scoped(request.user, MemberRegistration.objects.select_related("grid", "unit", "person"),
                            Verb.VOLUNTEER_MANAGE, pk=pk)
    except DomainError as exc:
        return error_page(request, exc)
    year = _int(request.POST.get("year")) if request.method == "POST" else _year(request)
    existing = MemberEvaluation.objects.filter(member=member, year=year).first()
    form = EvaluationForm(request.POST or None,
                          initial={"grade": existing.grade, "comment": existing.comment} if existing else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            dr.evaluate_member(actor=request.user, member_id=member.pk, year=year or 0, grade=d["grade"],
                               comment=d["comment"], reason=d["reason"])
            messages.success(request, _("年度评价已保存"))
            return redirect(f"{request.path}?year={year}")
        except DomainError as exc:
            add_domain_errors(form, exc)
    record = selectors.member_year_records([member], year or 0)[member.pk]
    history = list(existing.events.select_related("actor").order_by("id")) if existing else []
    labels = dict(MemberEvaluation.Grade.choices)
    for h in history:
        h.from_label, h.to_label = labels.get(h.data.get("from")), labels.get(h.data.get("to"))
    return render_page(request, "activities/evaluate.html", {
        "member": member, "year": year, "form": form, "record": record, "hours": record["minutes"] / 60,
        "existing": existing, "history": history}, status=400 if form.errors else 200)


@never_cache
@login_required
@require_GET
def my_evaluations(request):
    rows = list(MemberEvaluation.objects.filter(member__person=request.user).select_related("member__grid")
                .order_by("-year"))
    registered = MemberRegistration.objects.filter(person=request.user).select_related("grid", "unit").first()
    return render_page(request, "activities/my_evaluations.html", {"rows": rows, "registered": registered})


# ---------------------------------------------------------------- posts and claims


class PostForm(forms.Form):
    grid = forms.TypedChoiceField(label=gettext_lazy("网格"), coerce=int)
    title = forms.CharField(label=gettext_lazy("岗位或需求"), max_length=100)
    head_count = forms.IntegerField(label=gettext_lazy("需要人数"), min_value=1, max_value=1000)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def posts(request):
    """Staff: each grid's planned head count against claims and claims done; publish a post."""
    if prefixes(request.user, Verb.VOLUNTEER_MANAGE) == []:
        return _out_of_reach(request)
    grids = list(scoped(request.user, Place.objects.filter(kind__code="grid"), Verb.VOLUNTEER_MANAGE)
                 .order_by("path")[:300])
    form = PostForm(request.POST or None)
    form.fields["grid"].choices = [(g.pk, g.name) for g in grids]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            post = dr.publish_post(actor=request.user, grid_id=d["grid"], title=d["title"],
                                   head_count=d["head_count"])
            messages.success(request, _("岗位已发布"))
            return redirect("activities:post", pk=post.pk)
        except DomainError as exc:
            add_domain_errors(form, exc)
    grid_id = _int(request.GET.get("grid"))
    return render_page(request, "activities/posts.html", {
        "by_grid": selectors.claims_by_grid(request.user), "rows": list(selectors.posts_in_reach(
            request.user, grid_id=grid_id)), "form": form, "grids": grids, "grid_id": grid_id},
        status=400 if form.errors else 200)


@never_cache
@login_required
@require_GET
def post(request, pk: int):
    try:
        found = get_scoped(request.user, Post.objects.select_related("grid"), Verb.VOLUNTEER_MANAGE, pk=pk)
    except DomainError as exc:
        return error_page(request, exc)
    claims = list(found.claims.select_related("member", "unit", "done_by").order_by("claimed_at", "id"))
    return render_page(request, "activities/post.html", {
        "post": found, "claims": claims, "done": sum(1 for c in claims if c.done_at)})


@login_required
@require_POST
def unit_liaison(request):
    try:
        unit = dr.set_liaison(actor=request.user, unit_id=_int(request.POST.get("unit")) or 0,
                              phone=request.POST.get("phone", ""))
        messages.success(request, _("已设置%(unit)s的联络员") % {"unit": unit.name})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("activities:units")


@login_required
@require_POST
def claim_done(request, pk: int):
    claim = PostClaim.objects.filter(pk=pk).first()
    try:
        dr.complete_claim(actor=request.user, claim_id=pk)
        messages.success(request, _("已确认完成"))
    except DomainError as exc:
        messages.error(request, exc.message)
    if claim is None:
        return redirect("activities:posts")
    return redirect("activities:post", pk=claim.post_id)


@never_cache
@login_required
@require_GET
def claimable(request):
    """A registered member's (or a unit liaison's) phone: the posts of their community with
    places left, what they claimed, and whether it was confirmed done."""
    member = MemberRegistration.objects.filter(person=request.user).select_related("grid").first()
    units = list(PartnerUnit.objects.filter(liaison=request.user).order_by("name"))
    if member is None and not units:
        return render_page(request, "activities/claim.html", {"member": None, "units": [], "rows": []})
    communities = set()
    if member is not None:
        c = volunteers.community_over(member.path)
        if c is not None:
            communities.add(c.path)
    communities |= {u.path for u in units}
    from django.db.models import Count, Q

    q = Q()
    for p in communities:
        q |= Q(path__startswith=p)
    rows = list(Post.objects.filter(q).select_related("grid").annotate(n_claims=Count("claims"))
                .order_by("grid__path", "-created_at")[:200]) if communities else []
    claim_q = Q(unit__in=units)
    if member is not None:
        claim_q |= Q(member=member)
    taken = {}
    for c in PostClaim.objects.filter(claim_q).select_related("unit"):
        taken.setdefault(c.post_id, []).append(c)
    for p in rows:
        p.mine = taken.get(p.pk, [])
        p.left = p.head_count - p.n_claims
    return render_page(request, "activities/claim.html", {"member": member, "units": units, "rows": rows})


@login_required
@require_POST
def claim(request, pk: int):
    who = request.POST.get("as", "member")
    try:
        if who == "member":
            member = MemberRegistration.objects.filter(person=request.user).first()
            if member is None:
                raise NotFound(_("您还没有到社区报到"), code="not_registered")
            dr.claim_post(actor=request.user, post_id=pk, member_id=member.pk)
        else:
            unit = PartnerUnit.objects.filter(pk=_int(who) or 0, liaison=request.user).first()
            if unit is None:
                raise NotFound(_("未找到该单位"), code="not_found")
            dr.claim_post(actor=request.user, post_id=pk, unit_id=unit.pk)
        messages.success(request, _("认领成功"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("activities:claimable")
