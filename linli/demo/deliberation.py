"""Deliberation in the demo city, made by the deliberation services at simulated moments (as the
demo's cases are): in 金穗苑小区 (seed 002: 27 suggestions collected, the garbage room's bricks,
door and colour chosen by consultation; seed 003: parking and chargers by the will of most
residents) a finished owners' vote, an open election of the owners' committee (seeds 001, 004),
a courtyard meeting with minutes (seed 000: an old man's shed taken down after several
rounds) and an owners' assembly under way, its sign-ins measured against the quorum."""

from __future__ import annotations

import datetime as dt
import random

from django.core.files.base import ContentFile
from django.utils import timezone

from linli.accounts.models import RoleAssignment, User
from linli.core.actors import SYSTEM
from linli.deliberation import roll, rules_decisions, services, services_decisions, services_topics
from linli.deliberation import services_meetings as meetings
from linli.deliberation.models import DwellingTitle, Elector, Meeting, Topic
from linli.deliberation.services_rules import set_procedure_rules
from linli.places.models import Dwelling, Place, Resident

from .cases import simulated_clock

COMPOUND = "金穗苑小区"


def _staff(compound: Place) -> list[User]:
    prefixes = [compound.path[:n] for n in range(4, len(compound.path) + 1, 4)]
    ras = (RoleAssignment.objects.filter(is_active=True, place__path__in=prefixes,
                                         role__in=["community_worker", "grid_worker", "grid_head", "owners_committee"])
           .select_related("user").order_by("-place__depth", "pk"))
    seen, out = set(), []
    for ra in ras:
        if ra.user_id not in seen:
            seen.add(ra.user_id)
            out.append(ra.user)
    return out


def shed_photo() -> bytes:
    """A small picture drawn here (no binaries in the repository): a shed against a wall."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 320), (186, 206, 222))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 220, 480, 320), fill=(150, 150, 140))                      # the ground
    draw.rectangle((40, 60, 220, 240), fill=(205, 190, 170))                      # the building
    draw.polygon([(240, 140), (420, 110), (420, 240), (240, 240)], fill=(120, 90, 60))  # the shed
    draw.rectangle((300, 170, 340, 240), fill=(70, 60, 50))                      # its door
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _paper(name: str) -> ContentFile:
    return ContentFile(b"%PDF-1.4\n% demo scan\n", name=name)


def _ballots(vote, rng: random.Random, clerks: list[User], *, share: float, agree: float) -> int:
    """Ballots for a share of the roll: online where the voter has an account, otherwise on
    paper (typed by two clerks) or by proxy."""
    vote.refresh_from_db()
    matters = vote.frozen["matters"]
    users = {u.resident_id: u for u in User.objects.filter(resident__isnull=False)}
    cast, offline = 0, 0
    for e in Elector.objects.filter(vote=vote).prefetch_related("voters").order_by("pk"):
        if rng.random() > share:
            continue
        choices = {}
        for m in matters:
            opts = m["options"]
            if m["kind"] == "election":
                cands = [o["id"] for o in opts]
                choices[m["id"]] = sorted(rng.sample(cands[:m["seats"] + 1], k=min(m["seats"], len(cands))))
            else:
                role = "agree" if rng.random() < agree else rng.choice(["disagree", "abstain"])
                choices[m["id"]] = [next(o["id"] for o in opts if o["role"] == role)]
        voter = next((users[v.resident_id] for v in e.voters.all() if v.resident_id in users), None)
        if voter is not None and rng.random() < 0.6:
            services.cast_online_ballot(actor=voter, vote_id=vote.pk, choices=choices, elector_id=e.pk)
        elif len(clerks) >= 2 and (offline := offline + 1) % 2:
            services.enter_paper_ballot(actor=clerks[0], vote_id=vote.pk, code=e.code, choices=choices,
                                        scan=_paper(f"ballot-{e.code}.pdf"))
            services.enter_paper_ballot(actor=clerks[1], vote_id=vote.pk, code=e.code, choices=choices)
        else:
            services.cast_proxy_ballot(actor=clerks[0] if clerks else SYSTEM, vote_id=vote.pk, code=e.code,
                                       choices=choices, proxy_name="家属代投", attachment=_paper(f"proxy-{e.code}.pdf"))
        cast += 1
    return cast


def load_demo_deliberation(*, seed: int = 278) -> dict:
    compound = Place.objects.filter(kind__code="compound", name=COMPOUND).first()
    if compound is None:
        return {}
    rng = random.Random(seed)
    staff = _staff(compound)
    convener = staff[0] if staff else SYSTEM
    # Co-owners named the head of household to vote (the owners' roll says so).
    for d in Dwelling.objects.filter(place__path__startswith=compound.path).prefetch_related("ownerships"):
        owners = sorted(o.owner_id for o in d.ownerships.all())
        if len(owners) > 1:
            DwellingTitle.objects.update_or_create(dwelling=d, defaults={"named_voter_id": owners[0]})
    now = timezone.now().replace(microsecond=0)
    out = {}
    # The compound's rules of procedure (议事规则): seven days' notice for owners' matters, one
    # day for other meetings, five supporters put a topic on the agenda; the law's quorum.
    set_procedure_rules(actor=SYSTEM, place_id=compound.pk, support_threshold=5, owners_notice_days=7,
                        other_notice_days=1)

    with simulated_clock(now - dt.timedelta(days=60)) as clock:
        topic = meetings.propose_topic(actor=convener, place_id=compound.pk, title="停车位划线与加装电动车充电桩",
                                       body="居民反映车辆乱停、电动车楼道充电，建议划线并加装充电桩。")
        shed_topic = services_topics.propose_topic(actor=convener, place_id=compound.pk,
                                                   title="拆除楼下违建棚子、清理楼道堆物", images=[shed_photo()])
        clock["now"] += dt.timedelta(days=2)
        meeting = meetings.create_meeting(actor=convener, place_id=compound.pk, kind="courtyard",
                                          title="院坝会：违建棚子与楼道堆物", venue="3栋前院坝",
                                          starts_at=clock["now"] + dt.timedelta(days=3), topic_ids=[shed_topic.pk])
        meetings.publish_meeting_notice(actor=convener, meeting_id=meeting.pk)
        clock["now"] += dt.timedelta(days=3)
        people = list(Resident.objects.filter(path__startswith=compound.path, lives_here=True).order_by("pk")[:60])
        for i, r in enumerate(rng.sample(people, k=min(24, len(people)))):
            method = "qr" if i % 3 else "list"
            meetings.sign_in(actor=convener, meeting_id=meeting.pk, resident_id=r.pk, method=method,
                             nonce=f"demo-{meeting.pk}-{r.pk}-{method}",
                             scanned_at=clock["now"] + dt.timedelta(minutes=i))
        [item] = meeting.items.all()
        meetings.record_minutes(actor=convener, item_id=item.pk,
                                discussion="经过几轮上门劝说和院坝会讨论，棚子主人同意自行拆除；邻居表示愿意帮忙。",
                                decision="一周内拆除违建棚子，楼道堆物由各楼栋长组织清理。",
                                actions="楼栋长负责清理，网格员跟进，7日内完成")
        meetings.approve_minutes(actor=convener, meeting_id=meeting.pk)
        out["meeting"] = meeting.pk
        # The decision goes on the compound's problem list (问题清单), by whoever may keep it.
        item.refresh_from_db()
        keeper = next((u for u in staff if rules_decisions.can(u, "list_item", item)), SYSTEM)
        out["decision_item"] = services_decisions.decision_to_list_item(
            actor=keeper, item_id=item.pk, kind="problem", title="拆除违建棚子、清理楼道堆物",
            due_date=(clock["now"] + dt.timedelta(days=7)).date()).pk

        clock["now"] += dt.timedelta(days=5)
        out["purchaser"] = _unregistered_purchaser(compound, convener)
        finished = services.create_vote(
            actor=convener, place_id=compound.pk, kind="owners", title="停车位划线、充电桩和垃圾房改造",
            topic_id=topic.pk, description="依据《民法典》第二百七十八条，由业主共同决定。",
            matters=[{"title": "小区道路停车位划线并加装电动车充电桩", "kind": "ordinary"},
                     {"title": "使用专项维修资金改造垃圾房（砖墙、门和外墙颜色）", "kind": "special"}])
        services.publish_notice(actor=convener, vote_id=finished.pk, opens_at=clock["now"] + dt.timedelta(days=7),
                                closes_at=clock["now"] + dt.timedelta(days=21),
                                extension_limit=clock["now"] + dt.timedelta(days=35))
        _print_sheets(finished, staff[1] if len(staff) > 1 else convener)
        clock["now"] += dt.timedelta(days=7)
        services.open_vote(actor=convener, vote_id=finished.pk)
        clock["now"] += dt.timedelta(days=1)
        out["finished_ballots"] = _ballots(finished, rng, staff, share=0.86, agree=0.9)
        clock["now"] += dt.timedelta(days=13)
        services.close_vote(actor=convener, vote_id=finished.pk)
        services.publish_preliminary(actor=convener, vote_id=finished.pk)
        clock["now"] += dt.timedelta(days=8)
        services.finalise_vote(actor=convener, vote_id=finished.pk)
        out["finished"] = finished.pk

        clock["now"] = now - dt.timedelta(days=5)
        candidates = [r.name for r in Resident.objects.filter(path__startswith=compound.path, ownerships__isnull=False)
                      .distinct().order_by("pk")[:7]]
        election = services.create_vote(
            actor=convener, place_id=compound.pk, kind="owners", title="选举第一届业主委员会委员",
            matters=[{"title": "业主委员会委员（5名）", "kind": "election", "seats": 5, "options": candidates}],
            tie_break="area")
        services.publish_notice(actor=convener, vote_id=election.pk, opens_at=clock["now"] + dt.timedelta(days=2),
                                closes_at=now + dt.timedelta(days=10), extension_limit=now + dt.timedelta(days=24))
        _print_sheets(election, staff[1] if len(staff) > 1 else convener)
        clock["now"] += dt.timedelta(days=2)
        services.open_vote(actor=convener, vote_id=election.pk)
        clock["now"] = now - dt.timedelta(hours=1)
        out["open_ballots"] = _ballots(election, rng, staff, share=0.35, agree=1.0)
        out["open"] = election.pk
    Topic.objects.filter(pk=topic.pk).update(status=Topic.Status.DECIDED)
    # Noticed now, opening in ten minutes: `make run`'s scheduler opens it (deliberation_vote_clock).
    upcoming = services.create_vote(
        actor=convener, place_id=compound.pk, kind="household", title="楼道照明改造征求意见",
        matters=[{"title": "楼道灯更换为", "kind": "choice", "options": ["声控灯", "人体感应灯"]}])
    services.publish_notice(actor=convener, vote_id=upcoming.pk, opens_at=now + dt.timedelta(minutes=10),
                            closes_at=now + dt.timedelta(days=7))
    out["upcoming"] = upcoming.pk
    out["assembly"] = load_demo_assembly(compound, convener=convener, seed=seed)
    return out


def _print_sheets(vote, clerk) -> None:
    """The clerk prints every elector's paper ballot (the register of ballots issued)."""
    services.issue_sheets(actor=clerk, vote_id=vote.pk, kind="printed",
                          elector_ids=list(Elector.objects.filter(vote=vote).values_list("pk", flat=True)))


def _unregistered_purchaser(compound: Place, staff) -> int | None:
    """A dwelling the developer sold that has no registered owner yet: the buyer's household
    has moved in (SPC interpretation, art. 2), and the roll counts its head as the owner."""
    from linli.core.errors import DomainError
    from linli.core.identity import make_id_number
    from linli.places import services as places

    d = (Dwelling.objects.filter(place__path__startswith=compound.path, ownerships__isnull=True)
         .select_related("place").order_by("place__path").first())
    if d is None:  # every dwelling on the register has its owner: the flat handed over last month
        last = (Dwelling.objects.filter(place__path__startswith=compound.path).select_related("place")
                .order_by("-place__path").first())
        if last is None:
            return None
        flat = places.create_place(actor=SYSTEM, parent_id=last.place.parent_id, kind_code="dwelling", name="新交付01")
        places.set_dwelling_area(actor=SYSTEM, dwelling_id=flat.pk, floor_area="89.60")
        d = Dwelling.objects.select_related("place").get(place=flat)
    household = d.place.households.order_by("pk").first() or places.create_household(actor=SYSTEM,
                                                                                      dwelling_id=d.place_id)
    buyer = None
    for seq in range(999, 900, -2):  # a number no demo resident has
        try:
            buyer = places.create_resident(actor=SYSTEM, household_id=household.pk, name="唐新民", relation="head",
                                           birth_date=dt.date(1988, 5, 20),
                                           id_number=make_id_number("511802", dt.date(1988, 5, 20), seq))
            break
        except DomainError:
            continue
    if buyer is None:
        return None
    services.set_unregistered_purchaser(actor=staff, dwelling_id=d.pk, resident_id=buyer.pk,
                                        note="开发商出售，已交房入住，产权登记办理中")
    return d.pk


ASSEMBLY = "业主大会现场会议：选举第一届业主委员会"


def load_demo_assembly(compound: Place | None = None, *, convener=None, seed: int = 278) -> int | None:
    """An owners' assembly in 金穗苑小区 under way now (noticed eight days ahead, as the
    compound's rules ask seven): about three in five owners signed in by QR or on the printed
    list, a co-owner or two beside their spouse, some family members who are not owners, so the
    meeting page's quorum panel shows real figures and what is still missing. Idempotent: an
    assembly already there is returned unchanged."""
    compound = compound or Place.objects.filter(kind__code="compound", name=COMPOUND).first()
    if compound is None:
        return None
    existing = Meeting.objects.filter(place=compound, kind=Meeting.Kind.OWNERS, title=ASSEMBLY).first()
    if existing is not None:
        return existing.pk
    convener = convener or next(iter(_staff(compound)), SYSTEM)
    rng = random.Random(seed)
    units, _buildings = roll.owner_units_under(compound)
    now = timezone.now().replace(microsecond=0)
    with simulated_clock(now - dt.timedelta(days=8)) as clock:
        meeting = meetings.create_meeting(actor=convener, place_id=compound.pk, kind=Meeting.Kind.OWNERS,
                                          title=ASSEMBLY, venue="小区中心广场", owners_invited=True,
                                          starts_at=now - dt.timedelta(minutes=40))
        meetings.publish_meeting_notice(actor=convener, meeting_id=meeting.pk)
        clock["now"] = now - dt.timedelta(minutes=55)
        owned = [u for u in units if u["owners"]]
        arriving = []
        for i, u in enumerate(rng.sample(owned, k=round(len(owned) * 0.6))):
            owners = sorted(u["owners"])
            arriving += owners if (len(owners) > 1 and i % 2 == 0) else owners[:1]
        family = list(Resident.objects.filter(path__startswith=compound.path, lives_here=True, ownerships__isnull=True)
                      .order_by("pk").values_list("pk", flat=True)[:4])
        for i, rid in enumerate(arriving + family):
            method = "list" if i % 4 == 0 else "qr"
            meetings.sign_in(actor=convener, meeting_id=meeting.pk, resident_id=rid, method=method,
                             nonce=f"demo-assembly-{meeting.pk}-{rid}", scanned_at=clock["now"])
            clock["now"] += dt.timedelta(seconds=15)
    return meeting.pk
