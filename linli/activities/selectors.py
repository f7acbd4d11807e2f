"""Reads of activities: what a person may join, their sign-ups, an organiser's lists, the
volunteer record, rankings and figures per place and period."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from linli.accounts.roles import Verb
from linli.accounts.scope import scoped
from linli.core.paths import ancestors_paths

from . import honours
from .models import PLACE_STATUSES, Activity, HoursCorrection, ManualHours, Participation, Post, PostClaim, Scan


def home_paths(person) -> list[str]:
    from linli.accounts.models import RoleAssignment

    paths = list(RoleAssignment.objects.filter(user=person, is_active=True, place__isnull=False)
                 .values_list("place__path", flat=True))
    resident = getattr(person, "resident", None)
    if resident is not None:
        paths.append(resident.path)
    return paths


def for_person(person, *, upcoming: bool = True, limit: int = 100):
    """Activities the person may sign up for: over the places they live or serve in, and in
    the audience the sign-up checks (care tags, party members, volunteers; see
    `services._signup_read`), with the places used counted, all in one query."""
    paths = home_paths(person)
    if not paths:
        return Activity.objects.none()
    over = {a for p in paths for a in [*ancestors_paths(p), p]}
    q = Q(path__in=over)
    for p in paths:
        q |= Q(path__startswith=p)
    qs = Activity.objects.filter(q, audience_q(person), status=Activity.Status.PUBLISHED)
    if upcoming:
        qs = qs.filter(ends_at__gte=timezone.now())
    return with_counts(qs).select_related("community").order_by("starts_at", "id")[:limit]


def audience_q(person):
    """The audience part of `services._signup_read` as a condition on activities, for lists
    (one query, no per-row call): the activity names no care tag or the person's home has
    one of them; not for party members only or the person is one (a party role or a member
    registration); not for volunteers only or the person holds a volunteer role."""
    from django.db import connection
    from django.db.models import BooleanField, Exists
    from django.db.models.expressions import RawSQL

    from linli.accounts.models import RoleAssignment
    from linli.places.models import CareTag, Resident

    from .models import MemberRegistration

    roles = RoleAssignment.objects.filter(user=person, is_active=True)
    party = Exists(roles.filter(role__in=["party_member_household", "branch_secretary"])) | Exists(
        MemberRegistration.objects.filter(person=person))
    volunteer = Exists(roles.filter(role="volunteer"))
    a = Activity._meta.db_table
    home_tag, tag = Resident.care_tags.through._meta.db_table, CareTag._meta.db_table
    if connection.vendor == "postgresql":
        none, each = f'jsonb_array_length("{a}"."audience_tags") = 0', f'jsonb_array_elements_text("{a}"."audience_tags") j(v)'
    else:
        none, each = f'json_array_length("{a}"."audience_tags") = 0', f'json_each("{a}"."audience_tags") j'
    value = "j.v" if connection.vendor == "postgresql" else "j.value"
    home = getattr(person, "resident_id", None)
    tagged = RawSQL(f"""({none} OR EXISTS(SELECT 1 FROM {each} JOIN "{tag}" t ON t.code = {value}
        JOIN "{home_tag}" ht ON ht.caretag_id = t.id WHERE ht.resident_id = %s))""", [home],
                    output_field=BooleanField())
    return Q(tagged) & (Q(for_party_members=False) | Q(party)) & (Q(for_volunteers=False) | Q(volunteer))


def with_counts(qs):
    return qs.annotate(used=Count("participations", filter=Q(participations__status__in=PLACE_STATUSES)),
                       waiting=Count("participations", filter=Q(participations__status="waiting")))


def managed(actor, *, limit: int = 200):
    return with_counts(scoped(actor, Activity.objects.all(), Verb.ACTIVITY_MANAGE)).order_by("-starts_at")[:limit]


def my_participations(person):
    return Participation.objects.filter(person=person).select_related("activity").order_by("-activity__starts_at")


def participants(activity: Activity):
    return (Participation.objects.filter(activity=activity).select_related("person")
            .order_by("status", "-priority", "queued_at", "id"))


def scans(activity: Activity, limit: int = 200):
    return Scan.objects.filter(activity=activity).select_related("participation__person").order_by("-id")[:limit]


def open_corrections(actor):
    return scoped(actor, HoursCorrection.objects.filter(status=HoursCorrection.Status.OPEN)
                  .select_related("participation__person", "participation__activity"), Verb.ACTIVITY_MANAGE)


def leads_a_team(person) -> bool:
    """A team's leader organises its activities without holding a role (Activity.extra_scope_q)."""
    from .models import TeamMember

    return TeamMember.objects.filter(person_id=person.pk, is_leader=True, left_on__isnull=True).exists()


def hours_to_verify(actor, *, limit: int = 10):
    """The organiser's to-do: activities in their reach (role or team they lead) with
    attendees whose hours wait for verification (the activity ended or they checked out),
    each with that count, in one query, soonest-ended first."""
    waiting = Q(participations__status=Participation.Status.ATTENDED,
                participations__verified_minutes__isnull=True) & (
        Q(participations__checked_out_at__isnull=False) | Q(ends_at__lte=timezone.now()))
    qs = scoped(actor, Activity.objects.all(), Verb.ACTIVITY_MANAGE)
    return (qs.annotate(to_verify=Count("participations", filter=waiting)).filter(to_verify__gt=0)
            .only("id", "title", "ends_at").order_by("ends_at", "id")[:limit])


def volunteer_record(person) -> dict:
    """A person's service record: verified activities and hours, manual hours (minutes exact),
    and the honours the apps above registered (`honours.py`: the annual awards)."""
    rows = list(Participation.objects.filter(person=person, status=Participation.Status.ATTENDED)
                .select_related("activity", "activity__community").order_by("activity__starts_at"))
    manual = list(ManualHours.objects.filter(person=person).select_related("community").order_by("served_on"))
    verified = sum(p.verified_minutes or 0 for p in rows)
    trainings = sum(1 for p in rows if p.activity.kind == Activity.Kind.TRAINING)
    return {"activities": rows, "manual": manual, "verified_minutes": verified + sum(m.minutes for m in manual),
            "trainings": trainings, "pending": sum(1 for p in rows if p.verified_minutes is None),
            "honours": honours.honours_of(person)}


def figures(*, under: str, since, until) -> dict:
    """Activities, participants and verified service hours in a period under a place."""
    acts = Activity.objects.filter(path__startswith=under, starts_at__gte=since, starts_at__lt=until)
    parts = Participation.objects.filter(activity__in=acts)
    attended = parts.filter(status=Participation.Status.ATTENDED)
    planned = Post.objects.filter(path__startswith=under).aggregate(s=Sum("head_count"))["s"]
    counted = PostClaim.objects.filter(path__startswith=under).aggregate(
        n=Count("id"), done=Count("id", filter=Q(done_at__isnull=False)))
    claims = {"planned": planned, "claimed": counted["n"], "done": counted["done"]}
    return {
        "activities": acts.count(),
        "signed_up": parts.exclude(status=Participation.Status.CANCELLED).count(),
        "participants": attended.values("person").distinct().count(),
        "attendances": attended.count(),
        "service_minutes": attended.aggregate(s=Sum("verified_minutes"))["s"] or 0,
        "posts_planned": claims["planned"] or 0,
        "posts_claimed": claims["claimed"] or 0,
        "posts_done": claims["done"] or 0,
    }


def hours_by_place(*, under: str, depth: int, since, until) -> list[dict]:
    """Verified service minutes per place at `depth` (grids, compounds) in a period."""
    return list(Participation.objects.filter(path__startswith=under, status=Participation.Status.ATTENDED,
                                             activity__starts_at__gte=since, activity__starts_at__lt=until)
                .annotate(place=Substr("path", 1, depth * 4)).values("place")
                .annotate(minutes=Sum("verified_minutes"), people=Count("person", distinct=True))
                .order_by("-minutes"))


def quarter_bounds(year: int, quarter: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time(), tz), dt.datetime.combine(end, dt.time(), tz))


def quarterly_report(unit, *, year: int, quarter: int) -> dict:
    """What a unit's registered members did in a quarter, for their employer: activities
    attended and verified hours plus hours recorded by hand (members with an account),
    posts claimed by them and by the unit. One query per table, whatever the number of
    members."""
    since, until = quarter_bounds(year, quarter)
    members = list(unit.members.select_related("grid").order_by("name", "id"))
    person_ids = [m.person_id for m in members if m.person_id]
    attended = {}
    for row in (Participation.objects.filter(person_id__in=person_ids, status=Participation.Status.ATTENDED,
                                             activity__starts_at__gte=since, activity__starts_at__lt=until)
                .values("person_id").annotate(n=Count("id"), minutes=Sum("verified_minutes"))):
        attended[row["person_id"]] = row
    manual = dict(ManualHours.objects.filter(person_id__in=person_ids, served_on__gte=since.date(),
                                             served_on__lt=until.date())
                  .values("person_id").annotate(m=Sum("minutes")).values_list("person_id", "m"))
    claims = dict(PostClaim.objects.filter(member__in=members, claimed_at__gte=since, claimed_at__lt=until)
                  .values("member_id").annotate(n=Count("id")).values_list("member_id", "n"))
    rows = []
    for m in members:
        a = attended.get(m.person_id, {})
        minutes = (a.get("minutes") or 0) + manual.get(m.person_id, 0)
        rows.append({"pk": m.pk, "name": m.name, "branch": m.party_branch, "grid": m.grid.name,
                     "activities": a.get("n", 0), "hours": round(minutes / 60, 1), "posts": claims.get(m.pk, 0)})
    unit_claims = PostClaim.objects.filter(unit=unit, claimed_at__gte=since, claimed_at__lt=until).count()
    return {"unit": unit, "year": year, "quarter": quarter, "rows": rows, "unit_posts": unit_claims,
            "pairings": list(unit.pairings.select_related("place"))}


def member_quarterly_report(member, *, year: int, quarter: int) -> dict:
    """What one registered party member did in a quarter, itemised for their employer:
    each activity attended (date, title, place, verified minutes; by the activity's start),
    each entry of hours by hand (date served, minutes, reason) and each post claimed in
    the quarter (claimed on, done on). Three queries at most, whatever the number of items;
    a member without an account has only posts."""
    since, until = quarter_bounds(year, quarter)
    activities, manual = [], []
    if member.person_id:
        for p in (Participation.objects.filter(person_id=member.person_id, status=Participation.Status.ATTENDED,
                                               activity__starts_at__gte=since, activity__starts_at__lt=until)
                  .select_related("activity", "activity__place")
                  .order_by("activity__starts_at", "id")):
            a = p.activity
            activities.append({"date": timezone.localtime(a.starts_at).date(), "title": a.title,
                               "place": a.place.name, "minutes": p.verified_minutes or 0})
        for h in (ManualHours.objects.filter(person_id=member.person_id, served_on__gte=since.date(),
                                             served_on__lt=until.date()).order_by("served_on", "id")):
            manual.append({"date": h.served_on, "minutes": h.minutes, "reason": h.note})
    claims = [{"claimed_on": timezone.localtime(c.claimed_at).date(), "post": c.post.title, "grid": c.post.grid.name,
               "done_on": timezone.localtime(c.done_at).date() if c.done_at else None}
              for c in (PostClaim.objects.filter(member=member, claimed_at__gte=since, claimed_at__lt=until)
                        .select_related("post", "post__grid").order_by("claimed_at", "id"))]
    activity_minutes = sum(a["minutes"] for a in activities)
    manual_minutes = sum(h["minutes"] for h in manual)
    return {"member": member, "year": year, "quarter": quarter, "activities": activities, "manual": manual,
            "claims": claims, "activity_minutes": activity_minutes, "manual_minutes": manual_minutes,
            "hours": round((activity_minutes + manual_minutes) / 60, 1),
            "posts_claimed": len(claims), "posts_done": sum(1 for c in claims if c["done_on"])}


def posts_by_grid(under: str) -> list[dict]:
    """Planned head count against claims, per grid."""
    planned = dict(Post.objects.filter(path__startswith=under).values("grid__name").annotate(s=Sum("head_count"))
                   .values_list("grid__name", "s"))
    claimed = dict(PostClaim.objects.filter(path__startswith=under).values("post__grid__name")
                   .annotate(n=Count("id")).values_list("post__grid__name", "n"))
    return [{"grid": g, "planned": planned[g], "claimed": claimed.get(g, 0)} for g in sorted(planned)]


# ---------------------------------------------------------------- volunteers, teams, members


def volunteers(actor, *, skill: str = "", slot: str = "", under: str | None = None, limit: int = 200):
    """Active volunteer profiles in the actor's reach, by skill and by slot; with each one's
    current teams (one prefetch). Phones stay masked here."""
    from django.db.models import Prefetch

    from .models import TeamMember, VolunteerProfile

    qs = scoped(actor, VolunteerProfile.objects.filter(is_active=True), Verb.VOLUNTEER_MANAGE, under=under)
    if skill:
        qs = qs.filter(skills__contains=f",{skill},")
    if slot:
        qs = qs.filter(availability__contains=f",{slot},")
    current = TeamMember.objects.filter(left_on__isnull=True).select_related("team")
    return (qs.select_related("person", "person__resident", "community")
            .prefetch_related(Prefetch("person__team_memberships", queryset=current, to_attr="teams_now"))
            .order_by("path", "id")[:limit])


def teams_for(person, *, under_paths: list[str]):
    """Teams of the given communities with their active member count."""
    from .models import Team

    if not under_paths:
        return Team.objects.none()
    q = Q()
    for p in under_paths:
        q |= Q(path__startswith=p)
    return (Team.objects.filter(q).select_related("community")
            .annotate(n_members=Count("members", filter=Q(members__left_on__isnull=True)))
            .order_by("community__path", "name"))


def member_year_records(members, year: int) -> dict[int, dict]:
    """The record a yearly evaluation is drafted from, for many members in three queries:
    activities attended and verified minutes (activities of that year, plus hours by hand
    served that year) and posts claimed that year, per member."""
    tz = timezone.get_current_timezone()
    since = dt.datetime(year, 1, 1, tzinfo=tz)
    until = dt.datetime(year + 1, 1, 1, tzinfo=tz)
    members = list(members)
    by_person = {m.person_id: m.pk for m in members if m.person_id}
    out = {m.pk: {"minutes": 0, "activities": 0, "posts": 0} for m in members}
    if by_person:
        for row in (Participation.objects.filter(person_id__in=list(by_person), status=Participation.Status.ATTENDED,
                                                 activity__starts_at__gte=since, activity__starts_at__lt=until)
                    .values("person_id").annotate(n=Count("id"), minutes=Sum("verified_minutes"))):
            rec = out[by_person[row["person_id"]]]
            rec["activities"], rec["minutes"] = row["n"], row["minutes"] or 0
        for row in (ManualHours.objects.filter(person_id__in=list(by_person), served_on__year=year)
                    .values("person_id").annotate(minutes=Sum("minutes"))):
            out[by_person[row["person_id"]]]["minutes"] += row["minutes"] or 0
    for row in (PostClaim.objects.filter(member__in=[m.pk for m in members], claimed_at__gte=since,
                                         claimed_at__lt=until).values("member_id").annotate(n=Count("id"))):
        out[row["member_id"]]["posts"] = row["n"]
    return out


def registered_members(actor, *, grid_id: int | None = None, unit_id: int | None = None, limit: int = 300):
    from .models import MemberRegistration

    qs = scoped(actor, MemberRegistration.objects.all(), Verb.VOLUNTEER_MANAGE)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs.select_related("grid", "unit", "person").order_by("grid__path", "name", "id")[:limit]


def posts_in_reach(actor, *, grid_id: int | None = None, limit: int = 300):
    """Posts with their claims and done claims counted in the same query."""
    qs = scoped(actor, Post.objects.all(), Verb.VOLUNTEER_MANAGE)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    return (qs.select_related("grid")
            .annotate(n_claims=Count("claims"), n_done=Count("claims", filter=Q(claims__done_at__isnull=False)))
            .order_by("grid__path", "-created_at", "id")[:limit])


def claims_by_grid(actor) -> list[dict]:
    """Planned head count against claims (and claims done) per grid in the actor's reach:
    two grouped queries."""
    posts = scoped(actor, Post.objects.all(), Verb.VOLUNTEER_MANAGE)
    planned = {r["grid_id"]: r for r in posts.values("grid_id", "grid__name", "grid__path")
               .annotate(planned=Sum("head_count"))}
    claimed = {r["post__grid_id"]: r for r in
               scoped(actor, PostClaim.objects.all(), Verb.VOLUNTEER_MANAGE).values("post__grid_id")
               .annotate(claimed=Count("id"), done=Count("id", filter=Q(done_at__isnull=False)))}
    rows = []
    for gid, r in planned.items():
        c = claimed.get(gid, {})
        rows.append({"grid_id": gid, "grid": r["grid__name"], "path": r["grid__path"], "planned": r["planned"] or 0,
                     "claimed": c.get("claimed", 0), "done": c.get("done", 0)})
    return sorted(rows, key=lambda r: r["path"])


def top_teams(*, under: str, since, until, n: int = 5) -> dict:
    """Teams whose activities under `under` in the period had the most attendances, and
    the most verified hours: one grouped query, ranked twice."""
    rows = list(Participation.objects.filter(activity__path__startswith=under, activity__team__isnull=False,
                                             activity__starts_at__gte=since, activity__starts_at__lt=until,
                                             status=Participation.Status.ATTENDED)
                .values("activity__team_id", "activity__team__name")
                .annotate(attended=Count("id"), minutes=Sum("verified_minutes")))
    rows = [{"team_id": r["activity__team_id"], "name": r["activity__team__name"], "attended": r["attended"],
             "minutes": r["minutes"] or 0} for r in rows]
    return {"by_attendance": sorted(rows, key=lambda r: (-r["attended"], -r["minutes"], r["name"]))[:n],
            "by_hours": sorted(rows, key=lambda r: (-r["minutes"], -r["attended"], r["name"]))[:n]}


def top_units(*, under: str, since, until, n: int = 5) -> dict:
    """Partner units registered under `under`, by their members' verified hours (activities
    in the period under the place) and by posts claimed in the period (by the unit or its
    members): three grouped queries (hours, claims, names)."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from .models import MemberRegistration, PartnerUnit

    unit_of = Subquery(MemberRegistration.objects.filter(person_id=OuterRef("person_id"), unit__isnull=False,
                                                         unit__path__startswith=under).values("unit_id")[:1])
    hours = {r["unit_id"]: r for r in
             Participation.objects.filter(activity__path__startswith=under, status=Participation.Status.ATTENDED,
                                          activity__starts_at__gte=since, activity__starts_at__lt=until)
             .annotate(unit_id=unit_of).filter(unit_id__isnull=False).values("unit_id")
             .annotate(minutes=Sum("verified_minutes"), people=Count("person_id", distinct=True))}
    claims = {r["by_unit"]: r for r in
              PostClaim.objects.filter(path__startswith=under, claimed_at__gte=since, claimed_at__lt=until)
              .annotate(by_unit=Coalesce("unit_id", "member__unit_id")).filter(by_unit__isnull=False)
              .values("by_unit").annotate(claimed=Count("id"), done=Count("id", filter=Q(done_at__isnull=False)))}
    ids = set(hours) | set(claims)
    names = dict(PartnerUnit.objects.filter(pk__in=ids, path__startswith=under).values_list("id", "name")) if ids \
        else {}
    rows = [{"unit_id": i, "name": names[i], "minutes": (hours.get(i) or {}).get("minutes") or 0,
             "people": (hours.get(i) or {}).get("people", 0), "claimed": (claims.get(i) or {}).get("claimed", 0),
             "done": (claims.get(i) or {}).get("done", 0)} for i in ids if i in names]
    return {"by_hours": sorted([r for r in rows if r["minutes"]], key=lambda r: (-r["minutes"], r["name"]))[:n],
            "by_posts": sorted([r for r in rows if r["claimed"]], key=lambda r: (-r["claimed"], r["name"]))[:n]}


def people_in(community, *, query: str, limit: int = 20) -> list:
    """People of a community (living there or holding a role there) whose name or full
    mobile number matches `query`: whom staff may record manual hours for. The same rule
    as points' manual award page, without its point accounts (feature apps do not import
    each other)."""
    from linli.accounts.models import RoleAssignment, User
    from linli.core import pii

    query = (query or "").strip()
    if not query:
        return []
    members = (Q(resident__path__startswith=community.path)
               | Q(pk__in=RoleAssignment.objects.filter(is_active=True, place__path__startswith=community.path)
                   .values("user_id")))
    match = Q(display_name__icontains=query)
    if query.isdigit() and len(query) == 11:
        match |= Q(phone_hash=pii.lookup_hash(query))
    return list(User.objects.filter(members, match, is_active=True).order_by("display_name", "id")[:limit])


def manual_hours_in(community, *, limit: int = 30):
    """The latest manual hours recorded in a community, newest first."""
    return (ManualHours.objects.filter(community=community).select_related("person", "actor")
            .order_by("-id")[:limit])
