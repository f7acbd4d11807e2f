"""The register of paper ballots issued and returned (发放与回收登记) of one vote: per elector,
the sheets issued (`SheetIssue`, append-only) and whether one came back — a paper entry typed
from it, or a proxy ballot with its power of attorney; an online ballot needs no sheet —
and per building the counts. Six queries however many electors."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from linli.places.models import Place

from .models import Ballot, CountedBallot, Elector, PaperEntry, SheetIssue, Vote


def ballot_register(vote: Vote) -> dict:
    electors = list(Elector.objects.filter(vote=vote).order_by("path", "pk")
                    .values("pk", "code", "label", "name", "building_id"))
    issues = defaultdict(list)
    for row in (SheetIssue.objects.filter(vote=vote).select_related("actor").order_by("id")):
        issues[row.elector_id].append(row)
    paper = set(PaperEntry.objects.filter(vote=vote).values_list("elector_id", flat=True))
    proxy = set(Ballot.objects.filter(vote=vote, kind=Ballot.Channel.PROXY).exclude(attachment="")
                .values_list("elector_id", flat=True))
    online = set(CountedBallot.objects.filter(vote=vote, channel=Ballot.Channel.ONLINE)
                 .values_list("elector_id", flat=True))
    names = dict(Place.objects.filter(pk__in={e["building_id"] for e in electors if e["building_id"]})
                 .values_list("pk", "name"))
    buildings: dict = {}
    rows = []
    for e in electors:
        issued = issues.get(e["pk"], [])
        returned = _("纸质票") if e["pk"] in paper else (_("委托书") if e["pk"] in proxy else "")
        row = {**e, "issued": issued, "last_issue": issued[-1] if issued else None, "returned": returned,
               "online": e["pk"] in online and not returned,
               "outstanding": bool(issued) and not returned}
        rows.append(row)
        b = buildings.setdefault(e["building_id"], {"building": e["building_id"],
                                                   "name": names.get(e["building_id"], _("其他")),
                                                   "electors": 0, "issued": 0, "returned": 0, "not_returned": 0,
                                                   "online": 0})
        b["electors"] += 1
        b["issued"] += bool(issued)
        b["returned"] += bool(returned)
        b["not_returned"] += row["outstanding"]
        b["online"] += row["online"]
    per_building = sorted(buildings.values(), key=lambda b: b["name"])
    total = {k: sum(b[k] for b in per_building) for k in ("electors", "issued", "returned", "not_returned", "online")}
    history = [i for e in electors for i in issues.get(e["pk"], [])]
    history.sort(key=lambda i: i.pk)
    return {"rows": rows, "buildings": per_building, "total": total, "history": history}
