"""Building a vote's frozen roll from the places records: who the voting units are, their head
weight and area, and who may vote for each online. Called once, by `services.publish_notice`.

Owners' votes (Civil Code art. 278 and the Supreme People's Court interpretation on building
ownership, art. 8-9):
- each dwelling (专有部分) counts as one owner;
- one buyer of several dwellings counts as one, with the areas added: dwellings whose owner set
  is the same (the same person, or the same co-owners) form one elector;
- the developer's unsold (or undelivered) dwellings count as one owner together; a dwelling
  with no owner on record is counted so too, and the set-up page shows how many;
- a co-owned dwelling has one vote, cast online only by the co-owner the others named;
- a purchaser living there but not yet registered (`DwellingTitle.purchaser`, SPC art. 2) is
  the owner of a dwelling that has no registered owner (also one flagged as the developer's
  unsold: it was sold to them); where registered owners exist, they are the owner and the
  dwelling still counts once;
- area: registered, else surveyed, else contract (the owners' roll), else the dwelling's area.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import Invalid
from linli.places.models import Dwelling, Household, Ownership, Place, Resident

from .models import Elector, ElectorDwelling, ElectorVoter, Vote


def _centi(area) -> int | None:
    if area is None:
        return None
    value = Decimal(area) * 100
    if value != value.to_integral_value() or value <= 0:
        return None
    return int(value)


def _scope_paths(vote: Vote) -> list[str]:
    buildings = list(vote.buildings.order_by("path").values_list("path", flat=True))
    return buildings or [vote.path]


def _under(qs, field: str, paths: list[str]):
    from functools import reduce
    from operator import or_

    from django.db.models import Q

    return qs.filter(reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths)))


class _Labeller:
    """'1栋-2单元-301' for a dwelling: the names below the vote's place, and its building."""

    def __init__(self, base: Place, paths: list[str]):
        places = _under(Place.objects.all(), "path", paths).select_related("kind")
        self.by_path = {p.path: p for p in places}
        self.base_depth = base.depth

    def label(self, path: str) -> str:
        names = []
        for n in range(4 * (self.base_depth + 1), len(path) + 1, 4):
            p = self.by_path.get(path[:n])
            if p is not None:
                names.append(p.name)
        return "-".join(names)

    def building(self, path: str):
        for n in range(len(path), 0, -4):
            p = self.by_path.get(path[:n])
            if p is not None and p.kind.code == "building":
                return p.pk
        return None


def build_roll(vote: Vote) -> dict:
    """Create the vote's Elector rows; return the totals. Raises Invalid listing every dwelling
    whose area is missing, so the roll is fixed before anything is frozen."""
    paths = _scope_paths(vote)
    labeller = _Labeller(vote.place, paths)
    if vote.kind == Vote.Kind.OWNERS:
        units = _owner_units(paths, labeller)
    elif vote.kind == Vote.Kind.HOUSEHOLD:
        units = _household_units(vote, paths, labeller)
    else:
        units = _resident_units(vote, paths, labeller)
    if not units:
        raise Invalid(_("表决范围内没有可投票的对象"), code="empty_roll")
    electors = Elector.objects.bulk_create([
        Elector(vote=vote, path=u["path"], key=u["key"], label=u["label"][:300], name=u["name"][:300],
                building_id=u["building"], heads=1, area_centi=u["area"], is_developer=u.get("developer", False))
        for u in units])
    ElectorDwelling.objects.bulk_create([
        ElectorDwelling(elector=e, dwelling_id=d["id"], label=d["label"][:200], area_centi=d["area"],
                        owners=d["owners"][:300])
        for e, u in zip(electors, units) for d in u.get("dwellings", ())])
    ElectorVoter.objects.bulk_create([
        ElectorVoter(elector=e, resident_id=r) for e, u in zip(electors, units) for r in sorted(u["voters"])])
    return {
        "electors": len(units), "heads": sum(1 for _u in units), "area": sum(u["area"] for u in units),
        "dwellings": sum(len(u.get("dwellings", ())) for u in units),
        "developer_dwellings": sum(len(u["dwellings"]) for u in units if u.get("developer")),
        "unowned_dwellings": sum(u.get("unowned", 0) for u in units),
        "without_online_voter": sum(1 for u in units if not u["voters"]),
        "buildings": building_totals(units, labeller),
    }


def building_totals(units: list[dict], labeller: _Labeller) -> list[dict]:
    """The roll's heads and area per building, with the building's name, in the order of the
    place tree (units under no building last, `id` None): the denominators of the result by
    building, frozen with the roll like the whole roll's totals."""
    places = {p.pk: p for p in labeller.by_path.values() if p.kind.code == "building"}
    sums: dict = {}
    for u in units:
        heads, area = sums.get(u["building"], (0, 0))
        sums[u["building"]] = (heads + 1, area + u["area"])
    ordered = sorted(sums, key=lambda b: (b is None, places[b].path if b in places else ""))
    return [{"id": b, "name": places[b].name if b in places else "", "heads": h, "area": a}
            for b in ordered for h, a in [sums[b]]]


def owner_units_under(place: Place) -> tuple[list[dict], dict[int, Place]]:
    """The owners under a place counted as an owners' vote's roll would count them (an owners'
    assembly's sign-in measures its quorum against these), without writing anything; and the
    buildings by id. Three queries however many dwellings; raises Invalid as `build_roll`."""
    paths = [place.path]
    labeller = _Labeller(place, paths)
    buildings = {p.pk: p for p in labeller.by_path.values() if p.kind.code == "building"}
    return _owner_units(paths, labeller), buildings


def _owner_units(paths: list[str], labeller: _Labeller) -> list[dict]:
    dwellings = list(_under(Dwelling.objects.select_related("place", "title", "title__purchaser"), "place__path",
                            paths).order_by("place__path"))
    owners_of = defaultdict(list)
    for o in (Ownership.objects.filter(dwelling__in=[d.pk for d in dwellings]).select_related("owner")
              .order_by("owner_id")):
        owners_of[o.dwelling_id].append(o.owner)
    errors, groups = [], {}
    for d in dwellings:
        title = getattr(d, "title", None)
        raw = next((a for a in ((title.registered_area, title.surveyed_area, title.contract_area) if title else ())
                    if a is not None), d.floor_area)
        area = _centi(raw)
        label = labeller.label(d.place.path)
        if area is None:
            errors.append({"field": "roll", "code": "dwelling_without_area",
                           "message": _("%(dwelling)s：缺少有效的专有部分面积") % {"dwelling": label}})
            continue
        owners = owners_of.get(d.pk, [])
        purchaser = title.purchaser if title and title.purchaser_id else None
        if not owners and purchaser is not None:
            owners = [purchaser]
        flagged = bool(title and title.developer_unsold) and purchaser is None
        developer = flagged or not owners
        if developer:
            key, voters, names = "developer", set(), _("建设单位")
        else:
            key = "o:" + "+".join(sorted(o.id_number_hash or f"r{o.pk}" for o in owners))
            names = "、".join(o.name for o in owners)
            if len(owners) == 1:
                voters = {owners[0].pk}
            else:
                named = title.named_voter_id if title else None
                voters = {named} if named in {o.pk for o in owners} else set()
        g = groups.setdefault(key, {"key": key, "path": d.place.path, "building": labeller.building(d.place.path),
                                    "area": 0, "voters": set(), "dwellings": [], "developer": developer,
                                    "name": names, "unowned": 0, "owners": set()})
        g["area"] += area
        g["voters"] |= voters
        # Who may sign in for the unit at an owners' assembly; nobody for the developer.
        g["owners"] |= set() if developer else {o.pk for o in owners}
        g["unowned"] += 0 if (owners or flagged) else 1
        g["dwellings"].append({"id": d.pk, "label": label, "area": area, "owners": names})
    if errors:
        raise Invalid(_("名册有误，未冻结"), code="roll_invalid", errors=errors)
    for g in groups.values():
        g["label"] = "、".join(x["label"] for x in g["dwellings"])
    return list(groups.values())


def _household_units(vote: Vote, paths: list[str], labeller: _Labeller) -> list[dict]:
    cutoff = _birth_cutoff(vote.min_age)
    units = []
    households = _under(Household.objects.select_related("head"), "path", paths).order_by("path", "pk")
    members = defaultdict(list)
    for r in _under(Resident.objects.filter(household__isnull=False, lives_here=True), "path", paths):
        members[r.household_id].append(r)
    for h in households:
        adults = [r for r in members.get(h.pk, []) if r.birth_date is None or r.birth_date <= cutoff]
        # The household representative: the head, or any adult member where there is none.
        voters = {h.head_id} if h.head_id and any(r.pk == h.head_id for r in adults) else {r.pk for r in adults}
        units.append({"key": f"h:{h.pk}", "path": h.path, "building": labeller.building(h.path),
                      "label": labeller.label(h.path), "name": h.head.name if h.head else "",
                      "area": 0, "voters": voters})
    return units


def _resident_units(vote: Vote, paths: list[str], labeller: _Labeller) -> list[dict]:
    cutoff = _birth_cutoff(vote.min_age)
    residents = _under(Resident.objects.filter(lives_here=True, birth_date__lte=cutoff), "path", paths)
    return [{"key": f"r:{r.pk}", "path": r.path, "building": labeller.building(r.path),
             "label": labeller.label(r.path), "name": r.name, "area": 0, "voters": {r.pk}}
            for r in residents.order_by("path", "pk")]


def _birth_cutoff(min_age: int) -> dt.date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - min_age)
    except ValueError:  # 29 February
        return today.replace(year=today.year - min_age, day=28)
