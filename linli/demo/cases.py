"""Four months of residents' requests in the demo city, so queues, timelines, figures, hot
spots and the triage model have real records to show from the first `make run`.

Every case goes through the case services (submit, escalate, accept, contact, co-handle,
answer, close, rate, reopen, me-too, merge), each step at a simulated moment: the loader
moves Django's clock (`django.utils.timezone.now`, which the services and `auto_now` fields
read) forward through each case's life, so every timestamp, deadline, timeline event, audit
entry and notice is the one the services themselves wrote. Nothing is back-dated by hand."""

from __future__ import annotations

import datetime as dt
import random
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from django.utils import timezone

from linli.accounts import services as accounts
from linli.accounts.models import Organisation, RoleAssignment, User
from linli.accounts.roles import Role
from linli.cases import rules as case_rules
from linli.cases import services as cases
from linli.cases.models import Case
from linli.cases.sweeps import send_follow_ups, sweep_deadlines
from linli.core.actors import SYSTEM
from linli.core.paths import ancestors_paths
from linli.places.models import Place, Resident

from .case_texts import generate

CASES_AT_FULL_SCALE = 320
DAYS = 120
SEED = 20261123
# Channels as the seeds describe them: residents themselves, grid workers on patrol and
# door-to-door visits, the hotline, phone and walk-ins at the community, meetings (议事会).
CHANNELS = [("resident", 46), ("patrol", 14), ("visit", 12), ("phone", 9), ("hotline", 8), ("walk_in", 6),
            ("meeting", 5)]
RATINGS = [("satisfied", 64), ("basic", 23), ("unsatisfied", 13)]
ANSWERS = {
    "default": ["已现场查看并协调处理，问题已解决。", "已联系相关责任方整改完毕，请您查看。",
                "已安排人员处理，后续会持续关注。", "经核实已处理到位，感谢您的反映。"],
    "partly": ["已先行处理一部分，剩余部分已列入下月计划。"],
}


@dataclass
class Staff:
    """Who acts at a compound: its grid worker, its community worker (dispatch, merge) and the
    departments of its district."""

    grid_worker: User | None
    community_worker: User | None
    departments: list[tuple[Organisation, User]]


@contextmanager
def simulated_clock(start: dt.datetime):
    state = {"now": start}
    with mock.patch("django.utils.timezone.now", lambda: state["now"]):
        yield state


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]


class DemoCases:
    def __init__(self, *, scale: float = 1.0, seed: int = SEED):
        self.rng = random.Random(seed)
        self.n = max(30, round(CASES_AT_FULL_SCALE * scale))
        self.now = timezone.now().replace(microsecond=0)
        self._staff: dict[int, Staff] = {}
        self._departments: dict[str, list[tuple[Organisation, User]]] = {}
        self.resident_users: dict[int, list[User]] = {}  # compound id -> resident users

    # ------------------------------------------------------------ people

    def role_holder(self, role: str, place: Place) -> User | None:
        paths = [*ancestors_paths(place.path), place.path]
        ra = (RoleAssignment.objects.filter(role=role, is_active=True, place__path__in=paths)
              .select_related("user").order_by("-place__depth", "-is_lead", "id").first())
        return ra.user if ra else None

    def departments_of(self, district_path: str) -> list[tuple[Organisation, User]]:
        """The district's departments, each with one of its staff (read once per district)."""
        if district_path not in self._departments:
            departments = []
            for org in Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT,
                                                   jurisdiction__path=district_path).order_by("id"):
                ra = RoleAssignment.objects.filter(organisation=org, is_active=True).select_related("user").first()
                if ra:
                    departments.append((org, ra.user))
            self._departments[district_path] = departments
        return self._departments[district_path]

    def staff_for(self, compound: Place) -> Staff:
        if compound.pk not in self._staff:
            self._staff[compound.pk] = Staff(self.role_holder(Role.GRID_WORKER, compound),
                                             self.role_holder(Role.COMMUNITY_WORKER, compound),
                                             self.departments_of(compound.path[:4]))
        return self._staff[compound.pk]

    def residents_of(self, compound: Place) -> list[User]:
        """A handful of residents of the compound with an account (the demo resident's own
        compound includes the demo resident), opened as the community would."""
        if compound.pk not in self.resident_users:
            users = list(User.objects.filter(roles__role=Role.RESIDENT, roles__is_active=True,
                                             roles__place__path__startswith=compound.path).distinct())
            heads = list(Resident.objects.filter(path__startswith=compound.path, relation="head", lives_here=True,
                                                 users__isnull=True).order_by("id")[:40])
            for resident in self.rng.sample(heads, min(len(heads), 6 - min(len(users), 5))):
                user = accounts.create_user(actor=SYSTEM, display_name=resident.name, resident=resident)
                accounts.assign_role(actor=SYSTEM, user_id=user.pk, role=Role.RESIDENT,
                                     place_id=resident.household.dwelling_id)
                users.append(user)
            self.resident_users[compound.pk] = users
        return self.resident_users[compound.pk]

    # ------------------------------------------------------------ the cases

    def build(self) -> int:
        compounds = list(Place.objects.filter(kind__code="compound").order_by("path"))
        if not compounds:
            return 0
        # Named seed compounds (with people and a contact card) see more traffic than the
        # generated ones, as the articles' compounds do.
        weights = [8 if self._is_named(c) else 1 for c in compounds]
        texts = generate(self.n, seed=self.rng.randrange(10**6))
        # Most recent cases are still open; the older ones have run their course.
        ages = sorted((self.rng.betavariate(1.2, 2.2) * DAYS for _ in texts), reverse=True)
        made = 0
        for labelled, age in zip(texts, ages):
            compound = self.rng.choices(compounds, weights)[0]
            if self.life(compound, labelled.text, labelled.code, self.now - dt.timedelta(days=age)):
                made += 1
        # The deadline sweep and follow-ups run as the scheduler would, now.
        sweep_deadlines()
        send_follow_ups()
        return made

    @staticmethod
    def _is_named(compound: Place) -> bool:
        return RoleAssignment.objects.filter(place=compound, role=Role.PROPERTY_MANAGER).exists()

    def life(self, compound: Place, text: str, category: str, start: dt.datetime) -> Case | None:
        rng = self.rng
        staff = self.staff_for(compound)
        residents = self.residents_of(compound)
        dwellings = Place.objects.filter(path__startswith=compound.path, kind__code="dwelling")
        place = dwellings.order_by("?").first() or compound
        channel = _pick(rng, CHANNELS)
        reporter = rng.choice(residents) if residents and channel == "resident" else None
        if channel != "resident":
            actor = staff.grid_worker if channel in ("patrol", "visit") else staff.community_worker
            if actor is None:
                return None
        else:
            actor = reporter
            if actor is None:
                return None
        with simulated_clock(start) as clock:
            def later(hours_low: float, hours_high: float) -> bool:
                clock["now"] += dt.timedelta(hours=rng.uniform(hours_low, hours_high))
                return clock["now"] < self.now

            contact = Resident.objects.filter(path__startswith=place.path).first()
            case = cases.submit_case(
                actor=actor, text=text, channel=channel, place_id=place.pk,
                # A third of reporters pick the category themselves; the rest take the suggestion.
                category_code=category if rng.random() < 0.35 else None,
                contact_name=contact.name if contact and channel != "resident" else "",
                is_public=rng.random() < 0.45, priority=_pick(rng, [(1, 80), (2, 15), (3, 5)]))
            if case.category.code != category and later(0.2, 4):
                self.as_handler(case, lambda u: cases.classify_case(actor=u, case_id=case.pk, category_code=category))
            # Neighbours who meet the same problem say "me too", or report it again.
            # (They can only see, and so support, public cases.)
            for other in rng.sample(residents, min(len(residents), rng.choice([0, 0, 0, 1, 2]) * case.is_public)):
                if other.pk != getattr(reporter, "pk", None) and later(0.5, 12):
                    cases.me_too(actor=other, case_id=case.pk)
            if rng.random() < 0.05 and residents and staff.community_worker and later(1, 20):
                again = rng.choice(residents)
                twin = cases.submit_case(actor=again, text=rng.choice(["我也反映一下：", "同样的问题，", "再说一遍，"]) + text,
                                         channel="resident", place_id=place.pk)
                if later(2, 24):
                    cases.merge_case(actor=staff.community_worker, case_id=twin.pk, into_id=case.pk,
                                     note="同一问题，合并办理")
            if not later(0.3, 20):
                return case
            if case.level in ("building", "grid") and rng.random() < 0.15:
                self.as_handler(case, lambda u: cases.escalate_case(actor=u, case_id=case.pk,
                                                                   reason="需要上级协调有关单位"))
                if not later(0.5, 12):
                    return case
            if case.reporter_id and rng.random() < 0.06:
                self.as_handler(case, lambda u: cases.request_info(actor=u, case_id=case.pk,
                                                                  question="请补充具体位置（几栋几单元）和照片"))
                if not later(1, 30):
                    return case
                cases.add_info(actor=case.reporter, case_id=case.pk, text="在3栋2单元门口，白天晚上都有")
                if not later(0.5, 8):
                    return case
            self.as_handler(case, lambda u: cases.accept_case(actor=u, case_id=case.pk))
            if rng.random() < 0.85 and later(0.2, 6):
                self.as_handler(case, lambda u: cases.record_contact(actor=u, case_id=case.pk))
            case.refresh_from_db()
            # Matters for several departments together (seed 003's pig farm: 综治, 畜牧兽医, 环保).
            if (category in ("livestock", "pollution") or rng.random() < 0.03) and len(staff.departments) >= 2 \
                    and staff.community_worker and later(2, 24):
                chosen = rng.sample(staff.departments, min(3, len(staff.departments)))
                tasks = cases.open_cohandling(actor=staff.community_worker, case_id=case.pk,
                                              organisation_ids=[org.pk for org, _ in chosen],
                                              instruction="请各部门按职责联合处置")
                people = dict((org.pk, person) for org, person in chosen)
                for task in tasks:
                    person = people[task.organisation_id]
                    if not later(12, 96):
                        return case
                    cases.complete_task(actor=person, task_id=task.pk, answer="已按职责完成现场处置")
            for round_ in range(2):
                case.refresh_from_db()
                days = case.category.finish_days
                if not later(2, max(6.0, days * 24 * rng.uniform(0.3, 1.3))):
                    return case
                outcome = _pick(rng, [("solved", 82), ("partly", 12), ("not_ours", 4), ("cannot", 2)])
                answer = rng.choice(ANSWERS["partly" if outcome == "partly" else "default"])
                self.as_handler(case, lambda u: cases.answer_case(actor=u, case_id=case.pk, answer=answer))
                if not later(2, 60):
                    return case
                # Handling and checking are separate steps: a colleague or the level above
                # verifies (linli.cases.rules.verifiers), else the reporter confirms.
                case.refresh_from_db()
                closer = (User.objects.filter(pk__in=sorted(case_rules.verifiers(case))).order_by("pk").first()
                          or case.reporter or staff.grid_worker or staff.community_worker)
                note = {"not_ours": "属于供电公司职责，已告知反映人联系95598", "cannot": "涉及历史遗留产权问题，暂无法解决，已解释"}
                cases.close_case(actor=closer, case_id=case.pk, outcome=outcome, note=note.get(outcome, ""))
                if not case.reporter_id or rng.random() > 0.75 or not later(1, 72):
                    return case
                rating = _pick(rng, RATINGS) if outcome in ("solved", "partly") else _pick(
                    rng, [("basic", 60), ("unsatisfied", 40)])
                cases.rate_case(actor=case.reporter, case_id=case.pk, rating=rating, solved=rating != "unsatisfied",
                                comment="还是没有解决" if rating == "unsatisfied" else "")
                case.refresh_from_db()
                if case.status == Case.Status.CLOSED:
                    return case
            return case

    def as_handler(self, case: Case, act) -> None:
        """Act as whoever handles the case at its current level (or the community worker
        where nobody holds that role)."""
        case.refresh_from_db()
        people = cases.handlers(case)
        if not people:
            compound = case.place
            people = [u for u in [self.role_holder(Role.COMMUNITY_WORKER, compound),
                                  self.role_holder(Role.STREET_OFFICIAL, compound)] if u]
        act(people[0])


def load_demo_cases(*, scale: float = 1.0) -> int:
    return DemoCases(scale=scale).build()


def train_demo_triage():
    """Train the category suggester on the demo's handled cases, as the nightly job would;
    None when there are too few (a small --scale)."""
    from linli.core.errors import Conflict
    from linli.triage.services import train_model

    try:
        return train_model(actor=SYSTEM)
    except Conflict:
        return None
