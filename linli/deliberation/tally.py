"""The one tally function for every kind of vote (owners' matters, consultations, elections).

Who is a head and how much area a voting unit holds is decided once, when the roll is frozen
(`roll.py`): an owner of three dwellings is one elector with the three areas added, the
developer's unsold dwellings one elector together, a co-owned dwelling one elector. This
module only adds up the frozen weights of the counted ballots and compares, exactly:
integers, cross-multiplied (`x/base > num/den`  ⇔  `x·den > num·base`), never floats or
rounded percentages. Percentages in the result are for display only.

Input:
- `frozen`: the rules frozen at notice (`Vote.frozen`): kind, quorum [num, den], deemed,
  tie_break, seed, totals {heads, area}, matters [{id, kind, seats, pass [num, den, strict],
  options [{id, label, role}]}].
- `counts`: {matter_id: {"participants": (heads, area), "options": {option_id: (heads, area)}}}
  from the counted ballots (one GROUP BY, `selectors.ballot_counts`).
- `totals`: the denominators (the whole roll, or one building's part of it for the breakdown).

`tally` decides (quorum, thresholds, deemed votes, the elected); `breakdown` only shows one
building's part of the ballots against that building's frozen totals.
"""

from __future__ import annotations

import random
from collections.abc import Mapping


def meets(x: int, base: int, num: int, den: int, strict: bool) -> bool:
    """x/base > num/den (strict) or x/base >= num/den, by cross-multiplication. An empty base
    never meets a threshold."""
    if base <= 0:
        return False
    return x * den > num * base if strict else x * den >= num * base


def share(x: int, base: int) -> dict:
    """A count against its base: the exact fraction and a display percentage (2 places,
    half up, integer arithmetic)."""
    if base <= 0:
        return {"count": x, "of": base, "percent": "—"}
    hundredths = (x * 10000 * 2 + base) // (2 * base)
    return {"count": x, "of": base, "percent": f"{hundredths // 100}.{hundredths % 100:02d}"}


def m2(centi: int) -> str:
    """0.01 m² integers shown as square metres."""
    sign, centi = ("-", -centi) if centi < 0 else ("", centi)
    return f"{sign}{centi // 100}.{centi % 100:02d}"


def area_share(x: int, base: int) -> dict:
    return {**share(x, base), "m2": m2(x), "of_m2": m2(base)}


def _weights(pair) -> tuple[int, int]:
    heads, area = pair if pair else (0, 0)
    return int(heads or 0), int(area or 0)


def tally(frozen: Mapping, counts: Mapping, totals: Mapping | None = None) -> dict:
    totals = totals or frozen["totals"]
    total_heads, total_area = int(totals["heads"]), int(totals["area"])
    uses_area = frozen["kind"] == "owners"
    q_num, q_den = frozen["quorum"]
    matters = []
    for m in frozen["matters"]:
        c = counts.get(m["id"]) or counts.get(str(m["id"])) or {}
        part_heads, part_area = _weights(c.get("participants"))
        by_option = {int(k): _weights(v) for k, v in (c.get("options") or {}).items()}
        real = {o["id"]: by_option.get(o["id"], (0, 0)) for o in m["options"]}
        deemed = {o["id"]: (0, 0) for o in m["options"]}
        deemed_to, deemed_for = None, []
        if frozen.get("deemed") and m["kind"] in ("ordinary", "special"):
            deemed_to = _majority(m, real, uses_area)
            deemed_for = [deemed_to] if deemed_to is not None else []
        elif frozen.get("deemed") and m["kind"] == "election":
            deemed_for = _majority_slate(frozen, m, c, totals)
        silent = (total_heads - part_heads, total_area - part_area)
        for option_id in deemed_for:
            deemed[option_id] = silent
        # A silent owner is one deemed ballot however many candidates it approves.
        d_heads, d_area = silent if deemed_for else (0, 0)
        base_heads, base_area = part_heads + d_heads, part_area + d_area

        quorum_heads = meets(base_heads, total_heads, q_num, q_den, False)
        quorum_area = meets(base_area, total_area, q_num, q_den, False) if uses_area else True
        quorum_met = quorum_heads and quorum_area
        p_num, p_den, p_strict = m["pass"]

        options = []
        for o in m["options"]:
            rh, ra = real[o["id"]]
            dh, da = deemed[o["id"]]
            heads, area = rh + dh, ra + da
            heads_ok = meets(heads, base_heads, p_num, p_den, p_strict)
            area_ok = meets(area, base_area, p_num, p_den, p_strict) if uses_area else True
            options.append({
                "id": o["id"], "label": o["label"], "role": o["role"],
                "heads": share(heads, base_heads), "area": area_share(area, base_area),
                "real_heads": rh, "real_area": ra, "deemed_heads": dh, "deemed_area": da,
                "heads_ok": heads_ok, "area_ok": area_ok, "reaches": heads_ok and area_ok,
            })

        result = {
            "id": m["id"], "title": m["title"], "kind": m["kind"], "seats": m.get("seats", 0),
            "pass": [p_num, p_den, p_strict],
            "participants": {"heads": share(base_heads, total_heads), "area": area_share(base_area, total_area),
                             "real_heads": part_heads, "real_area": part_area,
                             "deemed_heads": d_heads, "deemed_area": d_area},
            "quorum": {"need": [q_num, q_den], "heads_ok": quorum_heads, "area_ok": quorum_area, "met": quorum_met},
            "options": options, "deemed_to": deemed_to, "deemed_for": deemed_for,
        }
        _decide(result, m, frozen, quorum_met)
        if deemed_for:
            # The same decision on ballots really cast alone, shown beside it.
            alone = tally({**frozen, "deemed": False, "matters": [m]}, {m["id"]: c}, totals)["matters"][0]
            result["passed_on_real_ballots"] = alone["passed"]
            result["elected_on_real_ballots"] = alone["elected"]
        matters.append(result)
    return {"totals": {"heads": total_heads, "area": total_area}, "uses_area": uses_area, "matters": matters}


def breakdown(frozen: Mapping, counts: Mapping, totals: Mapping) -> dict:
    """One part of the roll (a building) for the result by building: per matter, the
    participation against the part's own totals and each option's heads and area against the
    part's participants, from the ballots really cast there. Nothing is decided here: the
    quorum and the thresholds are the whole vote's, and a silent owner's deemed vote follows
    the whole vote's majority (shown in the overall result), not a building's."""
    total_heads, total_area = int(totals["heads"]), int(totals["area"])
    matters = []
    for m in frozen["matters"]:
        c = counts.get(m["id"]) or {}
        part_heads, part_area = _weights(c.get("participants"))
        by_option = c.get("options") or {}
        options = []
        for o in m["options"]:
            heads, area = _weights(by_option.get(o["id"]))
            options.append({"id": o["id"], "label": o["label"], "role": o["role"],
                            "heads": share(heads, part_heads), "area": area_share(area, part_area)})
        matters.append({"id": m["id"], "title": m["title"], "kind": m["kind"],
                        "participants": {"heads": share(part_heads, total_heads),
                                         "area": area_share(part_area, total_area)},
                        "options": options})
    return {"totals": {"heads": total_heads, "area": total_area}, "uses_area": frozen["kind"] == "owners",
            "matters": matters}


def _majority(m: Mapping, real: Mapping, uses_area: bool):
    """The option silent owners follow: agree or disagree, whichever leads on heads and (in
    owners' votes) on area among ballots cast; none if the two disagree or tie."""
    agree = next((o["id"] for o in m["options"] if o["role"] == "agree"), None)
    disagree = next((o["id"] for o in m["options"] if o["role"] == "disagree"), None)
    if agree is None or disagree is None:
        return None
    (ah, aa), (dh, da) = real[agree], real[disagree]
    if ah > dh and (aa > da or not uses_area):
        return agree
    if dh > ah and (da > aa or not uses_area):
        return disagree
    return None


def _majority_slate(frozen: Mapping, m: Mapping, c: Mapping, totals: Mapping) -> list:
    """The candidates silent owners are deemed to approve in an election.

    "Follow the majority" on an approval ballot: a silent owner is deemed to cast the ballot
    the owners who voted chose together, i.e. to approve exactly the candidates whom the
    ballots really cast elect on their own: each with more than half (the matter's own
    threshold) of the voters' heads and area, ranked, at most the number of seats. So a deemed
    ballot is a valid ballot (never more approvals than seats) and approves nobody the voters
    did not elect. A place decided by the tie-break draw or left to a run-off is not the
    majority's choice: nobody is deemed to approve the tied candidates. The quorum is not asked
    here (reaching it is what the deemed ballots are for); an empty slate means no deemed
    ballots at all, as for a matter without a clear majority."""
    voters_only = {**frozen, "deemed": False, "quorum": [0, 1], "matters": [m]}
    alone = tally(voters_only, {m["id"]: c}, totals)["matters"][0]
    drawn = set(alone["draw"]["order"][: alone["draw"]["seats"]]) if alone["draw"] else set()
    return [option_id for option_id in alone["elected"] if option_id not in drawn]


def _decide(result: dict, m: Mapping, frozen: Mapping, quorum_met: bool) -> None:
    options = result["options"]
    result.update(passed=False, winner=None, elected=[], open_seats=0, runoff=[], draw=None)
    if not quorum_met:
        result["outcome"] = "no_quorum"
        return
    if m["kind"] in ("ordinary", "special"):
        agree = next((o for o in options if o["role"] == "agree"), None)
        result["passed"] = bool(agree and agree["reaches"])
        result["outcome"] = "passed" if result["passed"] else "rejected"
    elif m["kind"] == "choice":
        reaching = [o for o in options if o["reaches"] and o["role"] != "abstain"]
        # With a threshold of a half or less two options could reach it: then none is chosen.
        if len(reaching) == 1:
            result.update(passed=True, winner=reaching[0]["id"], outcome="passed")
        else:
            result["outcome"] = "no_decision"
    else:
        _elect(result, m, frozen)


def _elect(result: dict, m: Mapping, frozen: Mapping) -> None:
    """Each candidate needs the threshold on their own; those who reach it are ranked; a tie at
    the last seat is broken by the frozen rule, then by a seeded draw (logged)."""
    seats = int(m.get("seats") or 0)
    qualified = [o for o in result["options"] if o["reaches"]]
    rule = frozen.get("tie_break", "area")

    def key(o):
        h, a = o["heads"]["count"], o["area"]["count"]
        return (a, h) if rule == "heads" else (h, a)

    qualified.sort(key=lambda o: (key(o), -o["id"]), reverse=True)
    for rank, o in enumerate(qualified, 1):
        o["rank"] = rank
    if len(qualified) <= seats:
        elected = [o["id"] for o in qualified]
    else:
        boundary = key(qualified[seats - 1]) if seats else None
        better = [o["id"] for o in qualified if seats and key(o) > boundary]
        tied = sorted(o["id"] for o in qualified if seats and key(o) == boundary)
        left = seats - len(better)
        if len(tied) <= left:
            elected = better + tied
        elif rule == "runoff":
            elected = better
            result["runoff"] = tied
        else:
            seed = f"{frozen.get('seed', '')}:{m['id']}"
            order = list(tied)
            random.Random(seed).shuffle(order)
            elected = better + order[:left]
            result["draw"] = {"seed": seed, "among": tied, "order": order, "seats": left}
    result["elected"] = elected
    result["open_seats"] = seats - len(elected)
    result["passed"] = bool(elected)
    result["outcome"] = "elected" if result["open_seats"] == 0 else ("partly_elected" if elected else "none_elected")
