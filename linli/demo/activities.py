"""Activities, volunteers and double reporting in the demo city, from the seeds:

- 004 金湖 黎城街道平安社区: 80 culture, training and volunteer activities over eight months
  ("睦邻课堂""孝善课堂" 21 sessions, 亲子运动会, 羽毛球赛, 拔河比赛 … "80余场次", "1000多人次"),
  each run through the services at simulated moments: published, signed up (popular ones
  fill and keep a waiting list; a cancellation offers the place on), checked in by the
  organiser's scanner, hours verified after the end — so points follow from the events.
- 000 麒麟 车站社区: a few activities of its own (利台生活小区 clean-ups, 议事会), whose points
  feed the 石榴红 shop (linli/demo/points.py).
- 003 宕昌县城关镇: 104 units and 1,649 employed party members registered with the four
  communities, paired with the 118 grids (1+1, N+1 on every fifth grid), and each grid's
  volunteer posts with their claims. Unit names are INVENTED (typical county bodies).
- 004 again: the community's teams (舞蹈队, 合唱团, 志愿服务队, 羽毛球队: "成立志愿者队伍", the
  dance room of its service centre) with leaders, who run the team's share of the 80
  activities (scan and verify); volunteer profiles; 003: this year's evaluation of some of
  宕昌's registered members and claims confirmed done. Team names are INVENTED. The parts
  of `load_demo_volunteers` are safe to run twice (an existing team, membership, profile,
  evaluation or done claim is left as it is)."""

from __future__ import annotations

import datetime as dt
import random

from faker import Faker

from linli.accounts import services as accounts
from linli.accounts.models import RoleAssignment, User
from linli.accounts.roles import Role
from linli.activities import double_reporting as dr
from linli.activities import services, volunteers
from linli.activities.models import (SKILLS, SLOTS, MemberEvaluation, MemberRegistration, Participation, PostClaim,
                                     Team, TeamMember)
from linli.core import events
from linli.core.actors import SYSTEM
from linli.places.models import Place, Resident

from .cases import simulated_clock

SEED = 20261201
PINGAN_TITLES = (
    [("training", "睦邻课堂"), ("training", "孝善课堂")] * 2
    + [("culture", "亲子运动会"), ("culture", "羽毛球赛"), ("culture", "拔河比赛"), ("culture", "广场舞排练"),
       ("culture", "合唱团排练"), ("festival", "睦邻家园文化节"), ("volunteer", "15分钟志愿服务圈·健康管理"),
       ("volunteer", "楼道清洁志愿服务"), ("health", "义诊进小区"), ("training", "小区发言人培训")]
)
CHEZHAN_TITLES = [("volunteer", "利台生活小区环境整治"), ("volunteer", "文明养犬劝导"), ("culture", "邻里议事会"),
                  ("health", "“家门口”健康讲座"), ("volunteer", "送温暖入户走访")]
UNIT_NAMES = (  # INVENTED: the county's usual bodies
    "县委办公室", "县政府办公室", "县人大常委会办公室", "县政协办公室", "县纪委监委", "县委组织部", "县委宣传部",
    "县委统战部", "县委政法委", "县发展和改革局", "县教育局", "县公安局", "县民政局", "县司法局", "县财政局",
    "县人力资源和社会保障局", "县自然资源局", "县住房和城乡建设局", "县交通运输局", "县水务局", "县农业农村局",
    "县商务局", "县文化和旅游局", "县卫生健康局", "县应急管理局", "县审计局", "县市场监督管理局", "县统计局",
    "县医疗保障局", "县林业和草原局", "县退役军人事务局", "县乡村振兴局", "县信访局", "县总工会", "团县委",
    "县妇联", "县科协", "县残联", "县人民法院", "县人民检察院", "县税务局", "县供电公司", "县人民医院", "县中医院",
    "县妇幼保健院", "县疾控中心", "县第一中学", "县第二中学", "城关中学", "城关小学", "县职业中专", "县农业银行",
    "县工商银行", "县建设银行", "县农商银行", "县邮政分公司", "县移动公司", "县电信公司", "县联通公司",
    "县融媒体中心", "县图书馆", "县文化馆", "县消防救援大队", "县气象局", "县烟草专卖局", "县粮食储备库",
    "县自来水公司", "县城市管理局", "县生态环境分局", "县档案馆",
)
# INVENTED names; (kind, name, the activity titles the team runs, a leader and members).
PINGAN_TEAMS = (("dance", "平安社区夕阳红舞蹈队", ("广场舞排练",)), ("choir", "平安社区合唱团", ("合唱团排练",)),
                ("volunteer", "平安社区志愿服务队", ("楼道清洁志愿服务", "15分钟志愿服务圈·健康管理")),
                ("sports", "平安社区羽毛球队", ("羽毛球赛",)))
EVALUATION_COMMENTS = {
    "excellent": "带头认领网格岗位，常年参加志愿服务，群众评价好",
    "good": "按时到社区报到，参加网格服务，完成认领岗位",
    "fair": "参加服务次数偏少，希望多到网格走访",
}
POSTS = ("环境整治志愿岗", "独居老人结对帮扶", "法律援助", "矛盾纠纷调解", "消防安全宣传", "“大手拉小手”课业辅导",
         "平急转换应急队员")


class DemoActivities:
    def __init__(self, *, scale: float = 1.0, now: dt.datetime):
        self.scale, self.now = scale, now
        self.rng = random.Random(SEED)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(SEED)
        self.counts = {"activities": 0, "participations": 0, "units": 0, "members": 0, "posts": 0}
        self.home: dict[int, str] = {}  # user → the path of their dwelling (who an activity is for)

    # ------------------------------------------------------------ people

    def staff_at(self, community: Place, *roles) -> User:
        ra = (RoleAssignment.objects.filter(role__in=roles, is_active=True, place__path__startswith=community.path)
              .select_related("user").order_by("place__depth", "-is_lead", "id").first())
        return ra.user if ra else SYSTEM

    def residents(self, community: Place, n: int) -> list[User]:
        """`n` residents of the community with an account (opened as the community would)."""
        users = list(User.objects.filter(roles__role=Role.RESIDENT, roles__is_active=True,
                                         roles__place__path__startswith=community.path).distinct()[:n])
        if len(users) < n:
            heads = list(Resident.objects.filter(path__startswith=community.path, lives_here=True, users__isnull=True)
                         .select_related("household").order_by("id")[: (n - len(users)) * 3])
            for resident in self.rng.sample(heads, min(len(heads), n - len(users))):
                user = accounts.create_user(actor=SYSTEM, display_name=resident.name, resident=resident)
                accounts.assign_role(actor=SYSTEM, user_id=user.pk, role=Role.RESIDENT,
                                     place_id=resident.household.dwelling_id)
                users.append(User.objects.get(pk=user.pk))
        homes = dict(RoleAssignment.objects.filter(user__in=users, role=Role.RESIDENT, is_active=True)
                     .values_list("user_id", "place__path"))
        self.home.update(homes)
        return users

    # ------------------------------------------------------------ one activity, start to end

    def run(self, community: Place, place: Place, organiser: User, people: list[User], *, kind: str, title: str,
            start: dt.datetime, capacity: int, points: int, minutes: int, wanted: int, team: Team | None = None
            ) -> None:
        """One activity through the services at its moments; the organiser (a team's leader
        for a team's activity) scans and verifies."""
        with simulated_clock(start - dt.timedelta(days=6)) as clock:
            a = services.create_activity(actor=organiser, place_id=place.pk, kind=kind, title=title,
                                         team_id=team.pk if team else None,
                                         starts_at=start, ends_at=start + dt.timedelta(minutes=max(minutes, 90)),
                                         capacity=capacity, points=points, service_minutes=minutes,
                                         venue=f"{place.name}党群服务中心" if place.kind.code == "community" else place.name)
            self.counts["activities"] += 1
            clock["now"] = start - dt.timedelta(days=3)
            joined = []
            audience = [u for u in people if self.home.get(u.pk, "").startswith(place.path)]
            for person in self.rng.sample(audience, min(wanted, len(audience))):
                joined.append(services.sign_up(actor=person, activity_id=a.pk))
                clock["now"] += dt.timedelta(minutes=7)
            self.counts["participations"] += len(joined)
            holders = [p for p in joined if p.status in (Participation.Status.CONFIRMED, Participation.Status.SIGNED_UP)]
            if capacity and len(joined) > capacity and holders:  # someone drops out; the place is offered on
                clock["now"] = start - dt.timedelta(days=1)
                gone = holders.pop(0)
                services.cancel(actor=gone.person, participation_id=gone.pk)
                offered = Participation.objects.filter(activity=a, status=Participation.Status.OFFERED).first()
                if offered is not None:
                    clock["now"] += dt.timedelta(minutes=40)
                    holders.append(services.accept_offer(actor=offered.person, participation_id=offered.pk))
            clock["now"] = start + dt.timedelta(minutes=15)
            came = [p for p in holders if self.rng.random() < 0.93]
            scans = [{"nonce": f"demo-{a.pk}-{p.pk}", "ticket": services.ticket_for(p),
                      "scanned_at": start + dt.timedelta(minutes=self.rng.randint(-10, 10))} for p in came]
            services.upload_scans(actor=organiser, activity_id=a.pk, scans=scans)
            clock["now"] = a.ends_at + dt.timedelta(hours=1)
            for p in came:
                services.verify_hours(actor=organiser, participation_id=p.pk)
            events.dispatch_pending()  # the points follow at the moment the events happened

    def community_activities(self, community: Place, titles, n: int, people: list[User], *, days: int,
                             teams: dict | None = None) -> None:
        """`teams`: activity title → (team, its leader), who organise those activities."""
        staff = self.staff_at(community, Role.COMMUNITY_WORKER, Role.COMMUNITY_SECRETARY)
        teams = teams or {}
        compounds = list(Place.objects.filter(path__startswith=community.path, kind__code="compound").select_related("kind"))
        community = Place.objects.select_related("kind").get(pk=community.pk)
        first = self.now - dt.timedelta(days=days)
        for i in range(n):
            kind, title = titles[i % len(titles)]
            day = first + dt.timedelta(days=round(i * (days - 5) / max(n, 1)))
            start = day.replace(hour=self.rng.choice((9, 15, 19)), minute=0, second=0, microsecond=0)
            place = community if kind in ("festival", "training") or not compounds else self.rng.choice(compounds)
            capacity = 0 if kind == "festival" else self.rng.choice((10, 12, 15, 20))
            wanted = (capacity + self.rng.randint(-3, 3)) if capacity else self.rng.randint(14, 22)
            team, leader = teams.get(title, (None, None))
            if team is not None:  # teams meet at the community's service centre (its dance room, seed 004)
                place = community
            self.run(community, place, leader or staff, people, kind=kind, title=title, start=start,
                     capacity=capacity, points=5 if kind != "volunteer" else 8,
                     minutes=120 if kind == "volunteer" else 0, wanted=max(wanted, 3), team=team)
        # two coming up, open for sign-up: one already full with a waiting list
        for j, (kind, title) in enumerate(titles[:2]):
            start = (self.now + dt.timedelta(days=3 + 4 * j)).replace(hour=19, minute=0, second=0, microsecond=0)
            a = services.create_activity(actor=staff, place_id=community.pk, kind=kind, title=title,
                                         starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=8, points=5,
                                         venue=f"{community.name}党群服务中心")
            for person in people[: 10 - 4 * j]:
                services.sign_up(actor=person, activity_id=a.pk)
            self.counts["activities"] += 1

    # ------------------------------------------------------------ 宕昌: units, members, grids

    def double_reporting(self) -> None:
        town = Place.objects.filter(name="城关镇", kind__code="street", path__startswith=Place.objects.filter(
            name="宕昌县", depth=1).values_list("path", flat=True)[:1]).first()
        if town is None:
            town = Place.objects.filter(name__contains="城关镇", kind__code="street").first()
        if town is None:
            return
        communities = list(Place.objects.filter(path__startswith=town.path, kind__code="community").order_by("path"))
        grids = {c.pk: list(Place.objects.filter(path__startswith=c.path, kind__code="grid").order_by("path"))
                 for c in communities}
        n_units = max(4, round(104 * self.scale)) if self.scale < 1 else 104
        n_members = max(40, round(1649 * self.scale)) if self.scale < 1 else 1649
        names = list(UNIT_NAMES)
        for extra in ("城关学区", "城关中心卫生院", "第二党支部", "机关党支部"):
            names += [f"{n}{extra}" for n in UNIT_NAMES[:20]]
        units_of = {c.pk: [] for c in communities}
        for i in range(n_units):
            c = communities[i % len(communities)]
            unit = dr.register_unit(actor=SYSTEM, community_id=c.pk, name=f"宕昌{names[i]}",
                                    party_branch=f"宕昌{names[i]}党支部", audit=False)
            units_of[c.pk].append(unit)
        self.counts["units"] = n_units
        since = (self.now - dt.timedelta(days=400)).date()
        members_of_grid: dict[int, list] = {}
        for c in communities:
            units, gs = units_of[c.pk], grids[c.pk]
            if not units or not gs:
                continue
            for j, grid in enumerate(gs):  # every grid a unit (1+1); every fifth grid a second one (N+1)
                pledge = "每季度入网格开展一次志愿服务，结对帮扶困难群众"
                dr.pair(actor=SYSTEM, unit_id=units[j % len(units)].pk, place_id=grid.pk, pledges=pledge, since=since,
                        audit=False)
                if j % 5 == 4 and len(units) > 1:
                    dr.pair(actor=SYSTEM, unit_id=units[(j + 1) % len(units)].pk, place_id=grid.pk, pledges=pledge,
                            since=since, audit=False)
            for j, unit in enumerate(units[len(gs):], start=len(gs)):  # units beyond the grids pair with the community
                dr.pair(actor=SYSTEM, unit_id=unit.pk, place_id=c.pk, since=since, audit=False)
        all_grids = [g for c in communities for g in grids[c.pk]]
        all_units = [u for c in communities for u in units_of[c.pk]]
        # The roster of 1,649 members arrives as the community's spreadsheet would: in bulk,
        # like the people importer (no accounts yet; each links one when the member logs in).
        community_of_grid = {g.pk: c.pk for c in communities for g in grids[c.pk]}
        roster = []
        for i in range(n_members):
            grid = all_grids[i % len(all_grids)]
            community_units = units_of[community_of_grid[grid.pk]] or all_units
            unit = community_units[i % len(community_units)]
            roster.append(MemberRegistration(name=self.fake.name(), unit=unit, grid=grid, path=grid.path,
                                             party_branch=unit.party_branch,
                                             registered_on=since + dt.timedelta(days=i % 300)))
        for m in MemberRegistration.objects.bulk_create(roster, batch_size=500):
            members_of_grid.setdefault(m.grid_id, []).append(m)
        if not all(m.pk for m in roster):  # backends without RETURNING ids on bulk inserts
            members_of_grid = {}
            for m in MemberRegistration.objects.filter(path__startswith=town.path).order_by("id"):
                members_of_grid.setdefault(m.grid_id, []).append(m)
        self.counts["members"] = n_members
        for j, grid in enumerate(all_grids):
            for k in range(1 + j % 2):
                post = dr.publish_post(actor=SYSTEM, grid_id=grid.pk, title=POSTS[(j + k) % len(POSTS)],
                                       head_count=3 + (j + k) % 4)
                self.counts["posts"] += 1
                takers = members_of_grid.get(grid.pk, [])[: self.rng.randint(1, post.head_count)]
                PostClaim.objects.bulk_create([PostClaim(post=post, path=post.path, member=m) for m in takers])


    # ------------------------------------------------------------ teams, profiles, evaluations

    def teams(self, community: Place, people: list[User], *, since: dt.date) -> dict:
        """The community's teams, each with a leader and members from `people`; returns
        activity title → (team, leader). An existing team or membership is kept."""
        by_title = {}
        for i, (kind, name, titles) in enumerate(PINGAN_TEAMS):
            team = Team.objects.filter(community=community, name=name).first() or volunteers.create_team(
                actor=SYSTEM, community_id=community.pk, name=name, kind=kind)
            crew = people[i::len(PINGAN_TEAMS)][:8]
            for j, person in enumerate(crew):
                if not TeamMember.objects.filter(team=team, person=person, left_on__isnull=True).exists():
                    volunteers.join_team(actor=SYSTEM, team_id=team.pk, person=person, leader=j == 0,
                                         joined_on=since + dt.timedelta(days=j))
            leader = (TeamMember.objects.filter(team=team, is_leader=True, left_on__isnull=True)
                      .select_related("person").order_by("id").first())
            for title in titles:
                by_title[title] = (team, leader.person if leader else None)
            self.counts["teams"] = self.counts.get("teams", 0) + 1
        return by_title

    def profiles(self, people: list[User]) -> None:
        """Volunteer profiles for two in three of the people (an existing profile is kept)."""
        from linli.activities.models import VolunteerProfile

        skills, slots = [c for c, _l in SKILLS], [c for c, _l in SLOTS]
        have = set(VolunteerProfile.objects.filter(person__in=people).values_list("person_id", flat=True))
        for person in people:
            rng = random.Random(SEED + person.pk)  # each person's own draw: the same on a second run
            if person.pk % 3 != 2 and person.pk not in have:
                volunteers.save_profile(actor=person, skills=rng.sample(skills, rng.randint(1, 3)),
                                        availability=rng.sample(slots, rng.randint(1, 4)))
                self.counts["profiles"] = self.counts.get("profiles", 0) + 1

    def evaluations_and_done_claims(self) -> None:
        """宕昌: half of the claims confirmed done by the grid; this year's evaluation of the
        members of one community in five (drafted from their record)."""
        town = Place.objects.filter(name="城关镇", kind__code="street").first()
        if town is None:
            return
        for claim in PostClaim.objects.filter(path__startswith=town.path, done_at__isnull=True).order_by("id")[::2]:
            dr.complete_claim(actor=SYSTEM, claim_id=claim.pk)
        year = self.now.year
        members = MemberRegistration.objects.filter(path__startswith=town.path).order_by("id")
        done = set(MemberEvaluation.objects.filter(year=year, member__in=members).values_list("member_id", flat=True))
        rng = random.Random(SEED + 2)
        for m in list(members)[::5]:
            if m.pk in done:
                continue
            grade = rng.choices(("excellent", "good", "fair"), weights=(2, 7, 1))[0]
            dr.evaluate_member(actor=SYSTEM, member_id=m.pk, year=year, grade=grade, comment=EVALUATION_COMMENTS[grade])
            self.counts["evaluations"] = self.counts.get("evaluations", 0) + 1


def community_named(name: str) -> Place | None:
    return Place.objects.filter(name=name, kind__code="community").first()


def load_demo_activities(*, scale: float = 1.0, now: dt.datetime | None = None) -> dict:
    from django.utils import timezone

    demo = DemoActivities(scale=scale, now=now or timezone.now())
    pingan = community_named("平安社区")
    if pingan is not None:
        people = demo.residents(pingan, max(12, round(60 * scale)))
        teams = demo.teams(pingan, people, since=(demo.now - dt.timedelta(days=260)).date())
        demo.profiles(people)
        demo.community_activities(pingan, PINGAN_TITLES, max(8, round(80 * scale)), people, days=240, teams=teams)
    chezhan = community_named("车站社区")
    if chezhan is not None:
        people = demo.residents(chezhan, max(10, round(24 * scale)))
        demo.community_activities(chezhan, CHEZHAN_TITLES, max(4, round(10 * scale)), people, days=90)
    demo.double_reporting()
    demo.evaluations_and_done_claims()
    services.mark_no_shows()
    return demo.counts


def load_demo_volunteers(*, now: dt.datetime | None = None) -> dict:
    """The idempotent part on its own (teams, profiles, evaluations, claims done), for a
    demo city loaded before teams existed: a second run adds nothing."""
    from django.utils import timezone

    demo = DemoActivities(now=now or timezone.now())
    pingan = community_named("平安社区")
    if pingan is not None:
        people = demo.residents(pingan, 12)
        demo.teams(pingan, people, since=(demo.now - dt.timedelta(days=260)).date())
        demo.profiles(people)
    demo.evaluations_and_done_claims()
    return demo.counts


