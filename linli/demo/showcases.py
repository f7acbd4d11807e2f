"""Where each capability's seed-shaped demo lives, and whom a visitor logs in as to see it.

`demo_logins`' first table is the case loop's cast in 新城社区; the other capabilities were
loaded where their seed article sets them (金穗苑小区's votes, 平安社区's activities and
awards, 车站社区's shop). For each, a community staff member and a resident whose own pages
show the capability (points to spend, activities attended, a vote of their compound). The
loader gives those residents a demo mobile, since most demo residents have none."""
from __future__ import annotations

from linli.accounts.models import User
from linli.accounts.roles import Role
from linli.core.paths import ancestors_paths
from linli.places.models import Place

SHOWCASES = [
    ("议事协商、业主表决 Topics, meetings, owners' votes", "金穗苑小区"),
    ("活动、志愿者、队伍、年度评选 Activities, volunteers, teams, awards", "平安社区"),
    ("积分超市 Points shop", "车站社区"),
]
# Mobiles for the showcase residents: beside the main cast's 139000000xx.
SHOWCASE_PHONES = ["13900000101", "13900000102", "13900000103"]


def _place(name: str) -> Place | None:
    return Place.objects.filter(name=name).order_by("path").first()


def _community_staff(place: Place) -> User | None:
    community = (Place.objects.filter(path__in=[*ancestors_paths(place.path), place.path], kind__code="community")
                 .first())
    if community is None:
        return None
    return (User.objects.filter(roles__place=community, roles__is_active=True,
                                roles__role__in=[Role.COMMUNITY_WORKER, Role.COMMUNITY_SECRETARY])
            .order_by("roles__role", "pk").first())


def _resident(place: Place, capability: str) -> User | None:
    """A resident there whose own pages show the capability."""
    from linli.activities.models import Participation
    from linli.points.models import PointAccount
    residents = User.objects.filter(roles__role=Role.RESIDENT, roles__is_active=True,
                                    roles__place__path__startswith=place.path)
    if "积分" in capability:
        account = (PointAccount.objects.filter(kind=PointAccount.Kind.PERSON, owner__in=residents, balance__gt=0)
                   .order_by("-balance", "pk").first())
        if account is not None:
            return account.owner
    if "活动" in capability:
        attended = (Participation.objects.filter(person__in=residents, status=Participation.Status.ATTENDED)
                    .order_by("person_id").values_list("person_id", flat=True).first())
        if attended is not None:
            return User.objects.get(pk=attended)
    return residents.order_by("pk").first()


def showcase_people() -> list[tuple[str, str, User]]:
    people = []
    for capability, name in SHOWCASES:
        place = _place(name)
        if place is None:
            continue
        for who in (_community_staff(place), _resident(place, capability)):
            if who is not None:
                people.append((capability, name, who))
    return people


def give_showcase_phones() -> int:
    """Give each showcase resident without a mobile a demo one, so a visitor can log in as
    them by SMS code. Idempotent: the same residents are chosen and keep their numbers."""
    given = 0
    residents = [who for _, _, who in showcase_people() if not who.phone_hash]
    for who, phone in zip(residents, SHOWCASE_PHONES):
        probe = User()
        probe.set_phone(phone)
        if User.objects.filter(phone_hash=probe.phone_hash).exists():
            continue
        who.set_phone(phone)
        who.save(update_fields=["phone_enc", "phone_hash", "phone_masked"])
        given += 1
    return given


def showcase_logins() -> list[dict]:
    rows = []
    for capability, name, who in showcase_people():
        role = next((ra for ra in who.roles.all() if ra.place_id), None)
        rows.append({"capability": capability, "place": name, "name": str(who), "phone": who.phone,
                     "role_label": str(Role(role.role).label) if role else ""})
    return rows
