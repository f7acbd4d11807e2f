"""Who a meeting invites — one rule, written twice over the same facts: as a filter over the
users for one meeting (who the notice goes to: `invitees`) and as a filter over the meetings for
one person (what they see as invited: `meetings_q`). `test_invitations.py` checks that the two
agree for every person and meeting of a mixed cast.

A person is invited to a meeting when
- their household is one the meeting names; or
- the meeting invites owners and they own a dwelling under one of its chosen buildings (under
  its place where none is chosen) — an owner as the owners' roll counts them
  (`roll.owner_units_under`): the developer's unsold dwellings invite nobody; or
- they work (an active role) for an organisation the meeting invites; or
- the meeting names nobody at all (no household, no owners, no organisation) and they live under
  its place."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

from linli.accounts import scope
from linli.accounts.models import RoleAssignment
from linli.core.paths import ancestors_paths
from linli.places.models import Ownership, Resident

from .models import Meeting

_Households = Meeting.invited.through
_Buildings = Meeting.owner_buildings.through
_Organisations = Meeting.invited_organisations.through


def _owned_dwellings():
    """Ownerships that make an owner for the roll (not the developer's unsold dwellings)."""
    return Ownership.objects.exclude(dwelling__title__developer_unsold=True)


def invited_owner_ids(meeting: Meeting):
    """The residents (ids, as a subquery) invited as owners: owners of the dwellings under the
    chosen buildings, else under the meeting's place. Empty when owners are not invited."""
    if not meeting.owners_invited:
        return Resident.objects.none().values("pk")
    roots = list(meeting.owner_buildings.values_list("path", flat=True)) or [meeting.path]
    under = Q(pk__in=[])
    for root in roots:
        under |= Q(dwelling__place__path__startswith=root)
    return _owned_dwellings().filter(under).values("owner_id")


def invitees(meeting: Meeting):
    """The active users the meeting invites (with or without a resident record)."""
    users = get_user_model().objects.filter(is_active=True)
    households = list(meeting.invited.values_list("pk", flat=True))
    organisations = list(meeting.invited_organisations.values_list("pk", flat=True))
    q = Q(pk__in=[])
    if households:
        q |= Q(resident__household__in=households)
    if meeting.owners_invited:
        q |= Q(resident__in=invited_owner_ids(meeting))
    if organisations:
        q |= Q(pk__in=RoleAssignment.objects.filter(organisation__in=organisations, is_active=True)
               .values("user_id"))
    if not (households or meeting.owners_invited or organisations):
        q |= Q(resident__path__startswith=meeting.path, resident__lives_here=True)
    return users.filter(q).distinct()


def meetings_q(*, user=None, resident: Resident | None = None) -> Q:
    """The meetings that invite this person (a user, a resident, or both), as a filter over
    Meeting. Two queries at most (the person's owned dwellings; the user's organisations come
    from the scope read, cached for the request)."""
    if resident is None and user is not None and getattr(user, "resident_id", None):
        resident = Resident.objects.filter(pk=user.resident_id).only("path", "household_id", "lives_here").first()
    if user is None and resident is not None:
        user = get_user_model().objects.filter(resident=resident, is_active=True).first()
    q = Q(pk__in=[])
    if resident is not None:
        if resident.household_id:
            q |= Q(Exists(_Households.objects.filter(meeting_id=OuterRef("pk"), household_id=resident.household_id)))
        owned = list(_owned_dwellings().filter(owner=resident).values_list("dwelling__place__path", flat=True))
        if owned:
            above = {p for path in owned for p in (*ancestors_paths(path), path)}
            chosen = _Buildings.objects.filter(meeting_id=OuterRef("pk"))
            q |= Q(owners_invited=True) & (
                Q(Exists(chosen.filter(place__path__in=above)))
                | (~Q(Exists(chosen)) & Q(path__in=above)))
        if resident.lives_here and resident.path:
            q |= (Q(owners_invited=False, path__in=[*ancestors_paths(resident.path), resident.path])
                  & ~Q(Exists(_Households.objects.filter(meeting_id=OuterRef("pk"))))
                  & ~Q(Exists(_Organisations.objects.filter(meeting_id=OuterRef("pk")))))
    if user is not None and getattr(user, "is_authenticated", False):
        organisations = scope.organisations(user)
        if organisations:
            q |= Q(Exists(_Organisations.objects.filter(meeting_id=OuterRef("pk"),
                                                        organisation_id__in=organisations)))
    return q


def is_invited(meeting: Meeting, *, user=None, resident: Resident | None = None) -> bool:
    if user is None and resident is None:
        return False
    return Meeting.objects.filter(meetings_q(user=user, resident=resident), pk=meeting.pk).exists()
