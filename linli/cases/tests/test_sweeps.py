"""The deadline sweep (超期上报, 黄牌/红牌督办), the seven-day follow-up, the tasks that wrap them
and `manage.py scheduler`, under frozen time; races on PostgreSQL."""

import datetime as dt
import signal
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from linli.accounts.models import User
from linli.cases import services, sweeps, tasks
from linli.cases.models import Case, CaseEvent, RoutingRule
from linli.core.actors import SYSTEM
from linli.core.management.commands.scheduler import Job, Scheduler
from linli.notify import tasks as notify_tasks
from linli.notify.models import Notification
from linli.testing import oks, race_behind_a_lock, row_lock

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)  # a Monday morning
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def report_parking(city) -> Case:
    """A grid-level case (parking: accept within 24 h, finish within 3 days)."""
    case = city.report("resident", "小区门口车辆乱停乱放", category=None)
    assert case.category.code == "parking" and case.level == "grid" and case.handler_place == city.grid
    return case


def notified(user, kind: str, channel: str = Notification.Channel.IN_APP) -> int:
    return Notification.objects.filter(recipient=user, kind=kind, channel=channel).count()


def snapshot():
    """Everything a sweep may write: a second sweep must leave all of it as it was."""
    return (list(Case.objects.order_by("pk").values_list("pk", "level", "handler_place", "status", "card",
                                                          "accept_due", "escalated_count", "follow_up_sent_at")),
            CaseEvent.objects.count(), Notification.objects.count())


# ---------------------------------------------------------------- acceptance deadline


def test_acceptance_deadline_escalates_one_level_once(city, people, clock):
    case = report_parking(city)
    clock.move_to(case.accept_due - timedelta(minutes=1))
    assert sweeps.sweep_deadlines().changed == 0

    clock.move_to(case.accept_due + timedelta(minutes=1))
    report = sweeps.sweep_deadlines()
    assert report.escalated == [case.pk] and report.red == [] and report.failed == []
    case.refresh_from_db()
    assert case.level == "community" and case.handler_place == city.community
    assert case.status == "submitted" and case.escalated_count == 1 and case.card == 0
    # A new acceptance clock at the new level.
    assert case.accept_due == T0 + timedelta(hours=24, minutes=1) + timedelta(hours=24)
    overdue = case.events.get(kind=CaseEvent.Kind.OVERDUE)
    assert overdue.actor is None and overdue.data["level"] == "community" and "受理时限" in overdue.note
    # The handler it left and the level above it reached both hear of it.
    assert notified(people["grid_worker"], "case_escalated") == 1
    assert notified(people["community_worker"], "case_escalated") == 1

    before = snapshot()
    assert sweeps.sweep_deadlines().changed == 0
    assert snapshot() == before


def test_each_missed_acceptance_goes_up_one_more_level(city, people, clock):
    case = report_parking(city)
    clock.move_to(case.accept_due + timedelta(minutes=1))
    sweeps.sweep_deadlines()
    case.refresh_from_db()
    assert case.level == "community"
    clock.move_to(case.accept_due + timedelta(minutes=1))
    assert sweeps.sweep_deadlines().escalated == [case.pk]
    case.refresh_from_db()
    assert case.level == "street" and case.handler_place == city.street and case.escalated_count == 2
    assert case.events.filter(kind=CaseEvent.Kind.OVERDUE).count() == 2


def test_an_accepted_case_is_not_escalated(city, people, clock):
    case = report_parking(city)
    services.accept_case(actor=people["grid_worker"], case_id=case.pk)
    clock.move_to(case.accept_due + timedelta(hours=1))
    assert sweeps.sweep_deadlines().escalated == []
    case.refresh_from_db()
    assert case.level == "grid" and not case.events.filter(kind=CaseEvent.Kind.OVERDUE).exists()


def test_street_level_gets_a_red_card_not_escalation(city, people, clock):
    district = people["district_official"]  # on duty before the case comes in
    RoutingRule.objects.create(place=city.street, level="street")
    case = city.report("resident", "街道主干道路灯不亮", category=None)
    assert case.level == "street" and case.handler_place == city.street
    clock.move_to(case.accept_due + timedelta(minutes=1))
    report = sweeps.sweep_deadlines()
    assert report.escalated == [] and report.red == [case.pk]
    case.refresh_from_db()
    assert case.level == "street" and case.card == 2 and case.escalated_count == 0
    assert not case.events.filter(kind=CaseEvent.Kind.OVERDUE).exists()
    card = case.events.get(kind=CaseEvent.Kind.CARD)
    assert card.data["card"] == 2 and card.data["stage"] == "accept"
    assert notified(people["street_official"], "case_card_red") == 1
    assert notified(district, "case_card_red") == 1  # the level above the street
    assert notified(district, "case_card_red", Notification.Channel.SMS) == 1

    before = snapshot()
    clock.shift(timedelta(hours=1))
    assert sweeps.sweep_deadlines().changed == 0
    assert snapshot() == before


def test_a_referred_case_past_acceptance_gets_a_red_card(city, people, clock):
    staff = people["zongzhi"]
    case = report_parking(city)
    services.refer_case(actor=SYSTEM, case_id=case.pk, organisation_id=people["zongzhi_org"].pk,
                        reason="占道停车请综治中心协调")
    clock.move_to(case.accept_due + timedelta(minutes=1))
    assert sweeps.sweep_deadlines().red == [case.pk]
    case.refresh_from_db()
    assert case.level == "department" and case.card == 2
    assert notified(staff, "case_card_red") == 1
    assert notified(people["street_official"], "case_card_red") == 1  # the street that referred it


# ---------------------------------------------------------------- handling deadline: cards


def test_yellow_then_red_card_and_they_stay(city, people, clock):
    case = report_parking(city)
    services.accept_case(actor=people["grid_worker"], case_id=case.pk)
    limit = case.finish_due - T0  # three days

    clock.move_to(T0 + limit * 0.79)
    assert sweeps.sweep_deadlines().changed == 0
    clock.move_to(T0 + limit * 0.81)
    report = sweeps.sweep_deadlines()
    assert report.yellow == [case.pk] and report.red == []
    case.refresh_from_db()
    assert case.card == 1
    yellow = case.events.get(kind=CaseEvent.Kind.CARD)
    assert yellow.data["card"] == 1 and yellow.data["stage"] == "finish" and yellow.actor is None
    assert notified(people["grid_worker"], "case_card_yellow") == 1
    assert notified(people["community_worker"], "case_card_yellow") == 0

    before = snapshot()
    assert sweeps.sweep_deadlines().changed == 0
    assert snapshot() == before

    clock.move_to(case.finish_due + timedelta(seconds=1))
    report = sweeps.sweep_deadlines()
    assert report.red == [case.pk] and report.yellow == []
    case.refresh_from_db()
    assert case.card == 2
    assert [e.data["card"] for e in case.events.filter(kind=CaseEvent.Kind.CARD)] == [1, 2]
    # A red card is supervised by the level above (in-app and SMS); the handler hears too.
    assert notified(people["grid_worker"], "case_card_red") == 1
    assert notified(people["community_worker"], "case_card_red") == 1
    assert notified(people["community_worker"], "case_card_red", Notification.Channel.SMS) == 1
    assert Notification.objects.filter(kind="case_card_red", recipient=people["street_official"]).count() == 0

    # The case is then answered and closed: the red card stays on its record.
    services.answer_case(actor=people["grid_worker"], case_id=case.pk, answer="已劝导车辆挪走")
    services.close_case(actor=people["community_worker"], case_id=case.pk, outcome="solved")
    clock.shift(timedelta(days=30))
    sweeps.sweep_deadlines()
    case.refresh_from_db()
    assert case.card == 2 and case.events.filter(kind=CaseEvent.Kind.CARD).count() == 2


def test_a_case_first_swept_after_its_deadline_gets_red_directly(city, people, clock):
    case = report_parking(city)
    services.accept_case(actor=people["grid_worker"], case_id=case.pk)
    clock.move_to(case.finish_due + timedelta(days=1))
    assert sweeps.sweep_deadlines().red == [case.pk]
    case.refresh_from_db()
    assert case.card == 2
    assert list(case.events.filter(kind=CaseEvent.Kind.CARD).values_list("data__card", flat=True)) == [2]


def test_a_case_that_fails_rolls_back_whole_and_the_sweep_goes_on(city, people, clock, monkeypatch):
    first, second = report_parking(city), report_parking(city)
    for case in (first, second):
        services.accept_case(actor=people["grid_worker"], case_id=case.pk)
    real = services.supervisors

    def supervisors(case):
        if case.pk == first.pk:
            raise RuntimeError("boom")
        return real(case)

    monkeypatch.setattr(services, "supervisors", supervisors)
    clock.move_to(first.finish_due + timedelta(minutes=1))
    report = sweeps.sweep_deadlines()
    assert report.failed == [first.pk] and report.red == [second.pk]
    first.refresh_from_db()
    # Nothing half-written: no card, no CARD event, no notice for the case that failed.
    assert first.card == 0 and not first.events.filter(kind=CaseEvent.Kind.CARD).exists()
    assert not Notification.objects.filter(kind="case_card_red", text__contains=first.number).exists()
    monkeypatch.setattr(services, "supervisors", real)
    assert sweeps.sweep_deadlines().red == [first.pk]


# ---------------------------------------------------------------- follow-ups (回访)


def close(case, city):
    city.handle(case, "grid_worker", "已劝导车辆挪走")
    return city.verify(case, "community_worker")


def test_follow_up_seven_days_after_closing_exactly_once(city, people, clock):
    resident = people["resident"]
    unrated = close(report_parking(city), city)
    rated = close(report_parking(city), city)
    services.rate_case(actor=resident, case_id=rated.pk, rating="satisfied", solved=True)

    clock.move_to(unrated.closed_at + timedelta(days=7) - timedelta(minutes=1))
    assert sweeps.send_follow_ups().followed_up == []

    clock.move_to(unrated.closed_at + timedelta(days=7))
    report = sweeps.send_follow_ups()
    assert report.followed_up == [unrated.pk]
    unrated.refresh_from_db()
    assert unrated.follow_up_sent_at == unrated.closed_at + timedelta(days=7)
    event = unrated.events.get(kind=CaseEvent.Kind.FOLLOW_UP)
    assert event.note == "您反映的问题解决了吗？" and event.actor is None
    notes = Notification.objects.filter(recipient=resident, kind="case_follow_up")
    assert sorted(notes.values_list("channel", flat=True)) == ["in_app", "sms"]
    assert all("您反映的问题解决了吗？" in n.text and n.url == f"/cases/{unrated.pk}/" for n in notes)
    assert not rated.events.filter(kind=CaseEvent.Kind.FOLLOW_UP).exists()

    before = snapshot()
    clock.shift(timedelta(days=3))
    assert sweeps.send_follow_ups().followed_up == []
    assert snapshot() == before


def test_no_follow_up_for_cases_without_a_reporter_account(city, people, clock):
    case = city.report("grid_worker", "巡查发现小区门口车辆乱停乱放", channel="patrol", at=city.compound, category=None)
    close(case, city)
    clock.shift(timedelta(days=8))
    assert sweeps.send_follow_ups().followed_up == []


# ---------------------------------------------------------------- tasks and the scheduler


def test_tasks_run_through_the_django_tasks_backend(city, people, clock):
    case = report_parking(city)
    clock.move_to(case.finish_due + timedelta(minutes=1))
    with override_settings(TASKS=IMMEDIATE):
        result = tasks.sweep_deadlines.enqueue()
        assert result.status == "SUCCESSFUL"
        assert result.return_value["escalated"] == [case.pk] and result.return_value["red"] == [case.pk]
        sms = Notification.objects.filter(channel="sms", status="pending").count()
        assert sms > 0  # the red card's
        delivered = notify_tasks.deliver_notifications.enqueue()
        assert delivered.status == "SUCCESSFUL" and delivered.return_value == sms
        assert tasks.send_follow_ups.enqueue().return_value["followed_up"] == []


def test_scheduler_once_enqueues_each_job_and_not_twice_while_queued(db):
    call_command("scheduler", "--once", verbosity=0)
    paths = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    # Each app's own jobs, discovered: the scheduler imports no app. Every registered job is
    # enqueued once, the case loop's among them.
    from linli.core import jobs

    registered = sorted(job.task.module_path for job in jobs.discover())
    assert paths == registered
    assert {"linli.cases.tasks.send_follow_ups", "linli.cases.tasks.sweep_deadlines",
            "linli.core.tasks.dispatch_domain_events", "linli.notify.tasks.deliver_notifications",
            "linli.triage.tasks.retrain_triage_model"} <= set(paths)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"READY"}
    call_command("scheduler", "--once", verbosity=0)  # a second scheduler, or the next tick
    assert DBTaskResult.objects.count() == len(registered)


def test_scheduler_run_inline_runs_the_jobs(city, people, clock):
    case = report_parking(city)
    clock.move_to(case.accept_due + timedelta(minutes=1))
    call_command("scheduler", "--once", "--run-inline", verbosity=0)
    assert not DBTaskResult.objects.exists()
    case.refresh_from_db()
    assert case.level == "community"
    assert not Notification.objects.filter(channel="sms", status="pending").exists()


def test_scheduler_loop_fires_each_job_at_its_interval():
    now = [0.0]
    fired = []

    class Fake:
        def __init__(self, name):
            self.name = name

        def call(self):
            fired.append((self.name, now[0]))

    def sleep(seconds):
        now[0] += seconds

    jobs = [Job("outbox", Fake("outbox"), 10), Job("sweep", Fake("sweep"), 60)]
    scheduler = Scheduler(jobs, inline=True, clock=lambda: now[0], sleep=sleep, housekeeping=lambda: None)
    scheduler.run(max_ticks=7)
    assert [t for name, t in fired if name == "sweep"] == [0, 60]
    assert [t for name, t in fired if name == "outbox"] == [0, 10, 20, 30, 40, 50, 60]
    scheduler.stop()
    assert scheduler.running is False


@pytest.mark.django_db(transaction=True)
def test_worker_runs_what_the_scheduler_enqueued(city, people):
    with time_machine.travel(T0, tick=False) as traveller:
        case = report_parking(city)
        traveller.move_to(case.accept_due + timedelta(minutes=1))
        call_command("scheduler", "--once", verbosity=0)
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
        try:
            call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
        finally:  # the worker installs its own; give pytest its own back
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
        assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
        case.refresh_from_db()
        assert case.level == "community"


# ---------------------------------------------------------------- races (PostgreSQL)


def racing_sweeps(count: int, sweep, notified_user) -> list:
    """`count` sweeps at once, with proven overlap. The sweeps take case rows with SKIP LOCKED,
    so they never wait on each other's cases; instead another connection holds the row of
    the user every sweep notifies (a notice's foreign key takes a KEY SHARE lock on it). Each
    sweep locks a case, acts, and stops at its first notice: the test sees ALL of them
    waiting at once in pg_stat_activity, each holding a different case, before the row is let
    go. Returns each sweep's report."""
    results, waited = race_behind_a_lock(row_lock(User, notified_user.pk), [sweep] * count)
    assert waited == count, f"only {waited} of {count} sweeps were inside a case at once"
    return oks(results)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_racing_sweeps_escalate_each_case_exactly_once(city, people):
    with time_machine.travel(T0, tick=False) as traveller:
        cases = [report_parking(city) for _ in range(12)]
        accepted = cases[:4]
        for case in accepted:  # these get red cards instead: past their handling deadline
            services.accept_case(actor=people["grid_worker"], case_id=case.pk)
        traveller.move_to(max(c.finish_due for c in cases) + timedelta(minutes=1))
        reports = racing_sweeps(4, sweeps.sweep_deadlines, people["grid_worker"])
    escalated = sorted(pk for r in reports for pk in r.escalated)
    red = sorted(pk for r in reports for pk in r.red)
    assert escalated == sorted(c.pk for c in cases[4:])  # each once, across all sweeps
    assert sorted(set(red)) == red and set(red) == {c.pk for c in cases}  # every card raised once
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
        overdue = case.events.filter(kind=CaseEvent.Kind.OVERDUE).count()
        assert overdue == (0 if case.pk in {c.pk for c in accepted} else 1)
        assert case.escalated_count == overdue and case.card == 2
        assert case.events.filter(kind=CaseEvent.Kind.CARD).count() == 1
    assert Notification.objects.filter(kind="case_escalated", recipient=people["grid_worker"]).count() == 8


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_racing_follow_ups_are_sent_once(city, people):
    with time_machine.travel(T0, tick=False) as traveller:
        cases = [close(report_parking(city), city) for _ in range(6)]
        traveller.shift(timedelta(days=8))
        reports = racing_sweeps(3, sweeps.send_follow_ups, people["resident"])
    assert sorted(pk for r in reports for pk in r.followed_up) == sorted(c.pk for c in cases)
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.FOLLOW_UP).count() == 6
    assert Notification.objects.filter(kind="case_follow_up", channel="sms").count() == 6
