"""Volunteer profiles and teams (舞蹈队、合唱团、志愿服务队 …) with their leaders.

Same rules as services.py: keyword-only, actor first, scope checked, rows locked before the
decision, audited. The preconditions a page asks before showing a button are the predicates
below (`why_not_*` returns the error the service would raise, or None)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Role, Verb
from linli.accounts.scope import allowed, require
from linli.core.audit import record_audit
from linli.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from linli.core.paths import ancestors_paths
from linli.places.models import Place

from .models import SKILLS, SLOTS, Team, TeamMember, VolunteerProfile, _tags

SKILL_CODES = {c for c, _label in SKILLS}
SLOT_CODES = {c for c, _label in SLOTS}


# ---------------------------------------------------------------- where a person lives


def home_path(person) -> str | None:
    """The person's home: their resident record's dwelling, else the place of their
    resident role (accounts opened by staff may have no record linked yet), else the
    deepest place they hold any role at."""
    resident = getattr(person, "resident", None)
    if resident is not None and resident.path:
        return resident.path
    from linli.accounts.models import RoleAssignment

    roles = list(RoleAssignment.objects.filter(user_id=person.pk, is_active=True, place__isnull=False)
                 .values_list("role", "place__path"))
    homes = [p for r, p in roles if r == Role.RESIDENT] or [p for _r, p in roles]
    return max(homes, key=len) if homes else None


def community_over(path: str) -> Place | None:
    return Place.objects.filter(path__in=[*ancestors_paths(path), path], kind__code="community").first()


def belongs_to(person, place_path: str) -> bool:
    """Lives in or holds a role inside the community at `place_path`."""
    from linli.accounts.models import RoleAssignment

    home = home_path(person)
    if home and home.startswith(place_path):
        return True
    return RoleAssignment.objects.filter(user_id=person.pk, is_active=True,
                                         place__path__startswith=place_path).exists()


# ---------------------------------------------------------------- profiles


@transaction.atomic
def save_profile(*, actor, skills=(), skills_note: str = "", availability=(), is_active: bool = True
                 ) -> VolunteerProfile:
    """A resident keeps their own volunteer profile: skills from the list (and free text) and
    the slots they can serve in. Every field error at once."""
    skills, availability = [str(s) for s in skills], [str(s) for s in availability]
    note = (skills_note or "").strip()
    errors = []
    if set(skills) - SKILL_CODES:
        errors.append({"field": "skills", "message": _("请从列表中选择特长"), "code": "skill_unknown"})
    elif not skills and not note:
        errors.append({"field": "skills", "message": _("请至少选择一项特长或填写其他特长"), "code": "skills_required"})
    if len(note) > 200:
        errors.append({"field": "skills_note", "message": _("其他特长不能超过200个字"), "code": "too_long"})
    if set(availability) - SLOT_CODES:
        errors.append({"field": "availability", "message": _("请从列表中选择服务时段"), "code": "slot_unknown"})
    elif is_active and not availability:
        errors.append({"field": "availability", "message": _("请至少选择一个可服务时段"), "code": "slots_required"})
    home = home_path(actor) if getattr(actor, "pk", None) else None
    community = community_over(home) if home else None
    if community is None:
        errors.append({"field": None, "message": _("请先在社区登记住址，再填写志愿者档案"), "code": "no_home"})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    values = {"community": community, "path": home, "skills": _tags(skills), "skills_note": note,
              "availability": _tags(availability), "is_active": bool(is_active)}
    profile = VolunteerProfile.objects.select_for_update().filter(person_id=actor.pk).first()
    if profile is None:
        try:
            with transaction.atomic():
                profile = VolunteerProfile.objects.create(person_id=actor.pk, **values)
        except IntegrityError:  # a second tab saved first: update that one
            profile = VolunteerProfile.objects.select_for_update().get(person_id=actor.pk)
    changed = sorted(k for k, v in values.items() if getattr(profile, k) != v)
    for k, v in values.items():
        setattr(profile, k, v)
    profile.save()
    record_audit(actor=actor, action="activities.save_volunteer_profile", target=profile, path=profile.path,
                 data={"fields": changed})
    return profile


# ---------------------------------------------------------------- teams


def leads(user, team: Team) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return TeamMember.objects.filter(team=team, person_id=user.pk, is_leader=True, left_on__isnull=True).exists()


def membership(user, team: Team) -> TeamMember | None:
    return TeamMember.objects.filter(team=team, person_id=user.pk, left_on__isnull=True).first()


def why_not_join(user, team: Team) -> DomainError | None:
    if membership(user, team) is not None:
        return Conflict(_("您已是该队队员"), code="already_member")
    if not belongs_to(user, team.path):
        return Forbidden(_("只能加入本社区的队伍"), code="not_in_community")
    return None


def can_run_activities(user, team: Team) -> bool:
    """Leaders, and staff who organise activities in the team's community."""
    return leads(user, team) or allowed(user, Verb.ACTIVITY_MANAGE, team.path)


@transaction.atomic
def create_team(*, actor, community_id: int, name: str, kind: str, description: str = "") -> Team:
    community = Place.objects.filter(pk=community_id, kind__code="community").first()
    if community is None:
        raise NotFound(_("未找到该社区"), code="not_found", field="community_id")
    require(actor, Verb.VOLUNTEER_MANAGE, community)
    name = (name or "").strip()
    errors = []
    if not name:
        errors.append({"field": "name", "message": _("请填写队伍名称"), "code": "name_required"})
    elif len(name) > 50:
        errors.append({"field": "name", "message": _("队伍名称不能超过50个字"), "code": "too_long"})
    if kind not in Team.Kind.values:
        errors.append({"field": "kind", "message": _("请选择队伍类型"), "code": "kind_invalid"})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    try:
        with transaction.atomic():
            team = Team.objects.create(community=community, path=community.path, name=name, kind=kind,
                                       description=(description or "").strip()[:300])
    except IntegrityError:
        raise Conflict(_("本社区已有同名队伍"), code="team_exists", field="name") from None
    record_audit(actor=actor, action="activities.create_team", target=team, path=team.path)
    return team


def _lock_team(team_id: int) -> Team:
    team = Team.objects.select_for_update().filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("未找到该队伍"), code="not_found", field="team_id")
    return team


@transaction.atomic
def join_team(*, actor, team_id: int, person=None, leader: bool = False, joined_on=None) -> TeamMember:
    """A resident joins a team of their community; staff add someone (and may make them a
    leader at once). The team row is locked so two joins of one person cannot both pass."""
    team = _lock_team(team_id)
    person = person or actor
    if person.pk != getattr(actor, "pk", None) or leader:
        require(actor, Verb.VOLUNTEER_MANAGE, team)
    problem = why_not_join(person, team)
    if problem is not None:
        raise problem
    m = TeamMember.objects.create(team=team, person=person, path=team.path, is_leader=leader,
                                  joined_on=joined_on or timezone.localdate())
    record_audit(actor=actor, action="activities.join_team", target=m, path=team.path,
                 data={"team": team.pk, "person": person.pk, "leader": leader})
    return m


def _lock_membership(membership_id: int) -> TeamMember:
    m = TeamMember.objects.select_for_update().select_related("team").filter(pk=membership_id).first()
    if m is None:
        raise NotFound(_("未找到该队员"), code="not_found", field="membership_id")
    return m


@transaction.atomic
def leave_team(*, actor, membership_id: int, reason: str = "") -> TeamMember:
    """A member leaves (or staff take them off, with a reason); a leader stops leading."""
    m = _lock_membership(membership_id)
    if m.person_id != getattr(actor, "pk", None):
        require(actor, Verb.VOLUNTEER_MANAGE, m)
        if not (reason or "").strip():
            raise Invalid(_("请填写移出理由"), code="reason_required", field="reason")
    if m.left_on is not None:
        raise Conflict(_("该队员已离队"), code="already_left")
    m.left_on, m.is_leader = max(timezone.localdate(), m.joined_on), False
    m.save(update_fields=["left_on", "is_leader"])
    record_audit(actor=actor, action="activities.leave_team", target=m, path=m.path, reason=(reason or "")[:500])
    return m


@transaction.atomic
def set_leader(*, actor, membership_id: int, leader: bool) -> TeamMember:
    """Staff name or stand down a leader; only an active member can lead."""
    m = _lock_membership(membership_id)
    require(actor, Verb.VOLUNTEER_MANAGE, m)
    if m.left_on is not None:
        raise Conflict(_("只有在队队员才能担任队长"), code="not_active_member", field="membership_id")
    if m.is_leader != leader:
        m.is_leader = leader
        m.save(update_fields=["is_leader"])
        record_audit(actor=actor, action="activities.set_team_leader", target=m, path=m.path,
                     data={"leader": leader, "person": m.person_id})
    return m
