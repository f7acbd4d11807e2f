"""A vote's life on the clock (the periodic job opens and closes votes through the same
services a person uses, as the system), the re-proposal block after a failed vote, the
register of paper ballots issued and returned, and the unregistered purchaser on the roll."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from linli.core.actors import SYSTEM
from linli.core.history import AppendOnlyError
from linli.core.errors import Conflict, Forbidden, Invalid, NotFound
from linli.core.models import AuditEntry
from linli.deliberation import services, tasks
from linli.deliberation.models import Elector, SheetIssue, Topic, Vote, VoteEvent
from linli.notify.models import Notification

from .estate import Estate, area

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.timezone.utc)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
QUORUM = ("1栋-101", "1栋-102", "1栋-103", "2栋-102")  # 4 of 6 owners, 420.00 of 600.49 m²: exactly 2/3


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def estate(city):
    return Estate(city, {"1栋": [("101", "100"), ("102", "100"), ("103", "100")],
                         "2栋": [("101", "80.50"), ("102", "120"), ("103", "99.99")]})


def owners_vote(estate, *, actor=SYSTEM, title="更换小区大门", matters=None, place=None, **settings):
    return services.create_vote(actor=actor, place_id=(place or estate.compound).pk, kind="owners", title=title,
                                matters=matters or [{"title": "更换大门", "kind": "ordinary"}], **settings)


def agree(vote):
    vote.refresh_from_db()
    m = vote.frozen["matters"][0]
    return {m["id"]: [next(o["id"] for o in m["options"] if o["role"] == "agree")]}


def noticed(estate, convener, *, opens_in=dt.timedelta(hours=1), days=7, limit_days=21, **kw):
    vote = owners_vote(estate, actor=convener, **kw)
    now = timezone.now()
    services.publish_notice(actor=convener, vote_id=vote.pk, opens_at=now + opens_in,
                            closes_at=now + dt.timedelta(days=days),
                            extension_limit=now + dt.timedelta(days=limit_days) if limit_days else None)
    vote.refresh_from_db()
    return vote


def inbox(user, kind):
    return list(Notification.objects.filter(recipient=user, kind=kind, channel="in_app").values_list("text", flat=True))


# ---------------------------------------------------------------- the clock


def test_ballots_before_the_opening_time_are_refused_then_the_job_opens_the_vote(clock, estate, city):
    owners = estate.owners_each()
    convener = city.user_with("community_worker", at=city.community)
    voter, outsider = estate.user(owners["1栋-101"]), city.user_with("resident", at=city.other_grid)
    vote = noticed(estate, convener)
    with pytest.raises(Conflict) as err:
        services.cast_online_ballot(actor=voter, vote_id=vote.pk, choices=agree(vote))
    assert err.value.code == "not_yet_open"
    assert timezone.localtime(vote.opens_at).strftime("%Y-%m-%d %H:%M") in str(err.value)
    with pytest.raises(Conflict) as err:  # not even the convener opens it before the notice says
        services.open_vote(actor=convener, vote_id=vote.pk)
    assert err.value.code == "not_yet_open"
    assert services.run_vote_clock() == {"opened": 0, "closed": 0, "failed": 0, "waiting": 0}

    clock.move_to(vote.opens_at)
    with override_settings(TASKS=IMMEDIATE):
        result = tasks.vote_clock.enqueue()
    assert result.status == "SUCCESSFUL" and result.return_value["opened"] == 1
    assert Vote.objects.get(pk=vote.pk).status == "open"
    opened = VoteEvent.objects.get(vote=vote, kind="opened")
    assert opened.actor is None and opened.data["by"] == "system"
    audit = AuditEntry.objects.get(kind="deliberation.vote_opened")
    assert audit.actor is None
    # The electorate hears; people off the roll and the convener do not.
    assert len(inbox(voter, "vote_opened")) == 1 and "更换小区大门" in inbox(voter, "vote_opened")[0]
    assert inbox(outsider, "vote_opened") == [] and inbox(convener, "vote_opened") == []
    # Run again: nothing moves, nobody is told twice.
    assert services.run_vote_clock()["opened"] == 0
    assert VoteEvent.objects.filter(vote=vote, kind="opened").count() == 1
    assert len(inbox(voter, "vote_opened")) == 1
    services.cast_online_ballot(actor=voter, vote_id=vote.pk, choices=agree(vote))


def test_the_job_closes_at_the_closing_time_and_tells_the_convener(clock, estate, city):
    owners = estate.owners_each()
    convener = city.user_with("community_worker", at=city.community)
    vote = noticed(estate, convener)
    clock.move_to(vote.opens_at)
    services.run_vote_clock()
    for at in QUORUM:
        services.cast_online_ballot(actor=estate.user(owners[at]), vote_id=vote.pk, choices=agree(vote))
    clock.move_to(vote.closes_at - dt.timedelta(seconds=1))
    assert services.run_vote_clock()["closed"] == 0
    clock.move_to(vote.closes_at)
    assert services.run_vote_clock() == {"opened": 0, "closed": 1, "failed": 0, "waiting": 0}
    vote.refresh_from_db()
    assert vote.status == "closed" and vote.result["matters"][0]["passed"]
    assert len(inbox(convener, "vote_closed")) == 1
    assert services.run_vote_clock()["closed"] == 0
    assert list(VoteEvent.objects.filter(vote=vote).values_list("kind", flat=True)) == [
        "created", "notice", "opened", "closed"]


def test_without_quorum_it_waits_for_the_one_extension_then_fails_at_the_limit(clock, estate, city):
    owners = estate.owners_each()
    convener = city.user_with("community_worker", at=city.community)
    vote = noticed(estate, convener)
    clock.move_to(vote.opens_at)
    services.run_vote_clock()
    services.cast_online_ballot(actor=estate.user(owners["1栋-101"]), vote_id=vote.pk, choices=agree(vote))
    clock.move_to(vote.closes_at + dt.timedelta(minutes=1))
    assert services.run_vote_clock()["waiting"] == 1
    assert Vote.objects.get(pk=vote.pk).status == "open"
    [told] = inbox(convener, "vote_quorum_short")
    assert "可延期一次" in told
    assert services.run_vote_clock()["waiting"] == 1  # told once
    assert len(inbox(convener, "vote_quorum_short")) == 1
    with pytest.raises(Conflict) as err:  # no ballots past the closing time while it waits
        services.cast_online_ballot(actor=estate.user(owners["1栋-102"]), vote_id=vote.pk, choices=agree(vote))
    assert err.value.code == "not_open"
    clock.move_to(vote.extension_limit)
    assert services.run_vote_clock()["failed"] == 1
    vote.refresh_from_db()
    assert vote.status == "failed"
    assert len(inbox(convener, "vote_failed")) == 1
    from linli.core.models import DomainEvent

    assert DomainEvent.objects.filter(kind="deliberation.vote_failed", data__vote=vote.pk).count() == 1
    assert services.run_vote_clock() == {"opened": 0, "closed": 0, "failed": 0, "waiting": 0}


def test_extended_by_the_convener_it_closes_at_the_new_time_and_fails_without_quorum(clock, estate, city):
    owners = estate.owners_each()
    convener = city.user_with("community_worker", at=city.community)
    vote = noticed(estate, convener)
    clock.move_to(vote.opens_at)
    services.run_vote_clock()
    clock.move_to(vote.closes_at + dt.timedelta(minutes=1))
    services.run_vote_clock()  # waits
    new_close = vote.closes_at + dt.timedelta(days=7)
    services.extend_vote(actor=convener, vote_id=vote.pk, closes_at=new_close, reason="参与不足，延期一周")
    services.cast_online_ballot(actor=estate.user(owners["1栋-101"]), vote_id=vote.pk, choices=agree(vote))
    assert services.run_vote_clock()["closed"] == 0
    clock.move_to(new_close)
    assert services.run_vote_clock()["failed"] == 1
    assert Vote.objects.get(pk=vote.pk).status == "failed"


def test_extended_and_reaching_quorum_it_closes_normally(clock, estate, city):
    owners = estate.owners_each()
    convener = city.user_with("community_worker", at=city.community)
    vote = noticed(estate, convener, limit_days=None)
    clock.move_to(vote.opens_at)
    services.run_vote_clock()
    for at in QUORUM:
        services.cast_online_ballot(actor=estate.user(owners[at]), vote_id=vote.pk, choices=agree(vote))
    clock.move_to(vote.closes_at)
    assert services.run_vote_clock()["closed"] == 1


def test_without_an_extension_limit_no_quorum_fails_at_close(clock, estate, city):
    estate.owners_each()
    convener = city.user_with("community_worker", at=city.community)
    vote = noticed(estate, convener, limit_days=None)
    clock.move_to(vote.closes_at)
    # Opened and closed in one run when the job was down for the whole period.
    assert services.run_vote_clock() == {"opened": 1, "closed": 0, "failed": 1, "waiting": 0}


def test_a_vote_a_person_closed_is_left_alone(clock, estate, city):
    estate.owners_each()
    convener = city.user_with("community_worker", at=city.community)
    vote = noticed(estate, convener)
    clock.move_to(vote.opens_at)
    services.run_vote_clock()
    services.close_vote(actor=convener, vote_id=vote.pk)
    clock.move_to(vote.extension_limit)
    assert services.run_vote_clock() == {"opened": 0, "closed": 0, "failed": 0, "waiting": 0}
    assert VoteEvent.objects.filter(vote=vote, kind__in=["closed", "failed"]).count() == 1


def test_the_job_is_registered_with_the_scheduler(db):
    from linli.core import jobs

    assert "deliberation_vote_clock" in {j.name for j in jobs.discover()}


# ---------------------------------------------------------------- the re-proposal block


def failed_vote(estate, *, title="更换小区大门", matters=None, topic_id=None, place=None, cooling_days=180):
    vote = owners_vote(estate, title=title, matters=matters, topic_id=topic_id, place=place, cooling_days=cooling_days)
    now = timezone.now()
    services.publish_notice(actor=SYSTEM, vote_id=vote.pk, opens_at=now, closes_at=now + dt.timedelta(days=7))
    services.open_vote(actor=SYSTEM, vote_id=vote.pk)
    services.close_vote(actor=SYSTEM, vote_id=vote.pk)  # no ballots, no extension possible: failed
    vote.refresh_from_db()
    assert vote.status == "failed"
    return vote


@pytest.mark.parametrize(("where", "title", "matter", "blocked", "field"), [
    ("compound", "更换小区大门", "另一事项", True, "title"),
    ("compound", " 更换 小区大门！", "另一事项", True, "title"),        # spaces and punctuation
    ("compound", "更换小区大门（ＡＢ）", "另一事项", False, None),        # another matter
    ("compound", "小区议事", "更换大门", True, "title"),                 # a matter of the failed vote
    ("compound", "小区议事", "更换，大门。", True, "title"),
    ("building", "更换小区大门", "另一事项", True, "title"),             # a descendant
    ("grid", "更换小区大门", "另一事项", True, "title"),                 # an ancestor
    ("other", "更换小区大门", "另一事项", False, None),                  # not overlapping
])
def test_a_failed_matter_is_blocked_here_and_wherever_the_scope_overlaps(estate, city, where, title, matter,
                                                                          blocked, field):
    other = Estate(city, {"1栋": [("101", "90")]}, name="锦绣苑")
    other.owners_each()
    estate.owners_each()
    failed = failed_vote(estate)
    place = {"compound": estate.compound, "building": estate.buildings["1栋"], "grid": city.grid,
             "other": other.compound}[where]
    matters = [{"title": matter, "kind": "ordinary"}]
    if not blocked:
        assert owners_vote(estate, title=title, matters=matters, place=place).pk
        return
    with pytest.raises(Conflict) as err:
        owners_vote(estate, title=title, matters=matters, place=place)
    assert err.value.code == "cooling_period" and err.value.field == field
    until = timezone.localtime(VoteEvent.objects.get(vote=failed, kind="failed").at + dt.timedelta(days=180))
    assert until.strftime("%Y-%m-%d %H:%M") in str(err.value)


def test_the_same_topic_is_blocked_whatever_the_title(estate, city):
    """A case becomes at most one topic (topic_one_per_case): the same topic is the same source case."""
    estate.owners_each()
    case = city.report("resident", "小区大门坏了，晚上关不上")
    topic = Topic.objects.create(place=estate.compound, path=estate.compound.path, title="大门", case=case)
    failed_vote(estate, title="第一次表决", matters=[{"title": "甲", "kind": "ordinary"}], topic_id=topic.pk)
    with pytest.raises(Conflict) as err:
        owners_vote(estate, title="完全不同", matters=[{"title": "乙", "kind": "ordinary"}], topic_id=topic.pk)
    assert (err.value.code, err.value.field) == ("cooling_period", "topic_id")
    other = Topic.objects.create(place=estate.compound, path=estate.compound.path, title="门禁")
    assert owners_vote(estate, title="门禁改造", matters=[{"title": "丙", "kind": "ordinary"}], topic_id=other.pk).pk


def test_after_the_cooling_period_and_for_a_draft_made_before_the_failure(estate, city):
    estate.owners_each()
    draft = owners_vote(estate, title="更换小区大门")  # made while the first was still going
    failed = failed_vote(estate, cooling_days=30)
    now = timezone.now()
    with pytest.raises(Conflict) as err:
        services.publish_notice(actor=SYSTEM, vote_id=draft.pk, opens_at=now, closes_at=now + dt.timedelta(days=3))
    assert err.value.code == "cooling_period"
    failed_at = VoteEvent.objects.get(vote=failed, kind="failed").at
    with time_machine.travel(failed_at + dt.timedelta(days=30, seconds=1), tick=False):
        assert owners_vote(estate, title="更换小区大门").pk
        now = timezone.now()
        services.publish_notice(actor=SYSTEM, vote_id=draft.pk, opens_at=now, closes_at=now + dt.timedelta(days=3))


def test_normalised_titles():
    assert services.normalise_title(" 加装　电梯！ ") == services.normalise_title("加装电梯") == "加装电梯"
    assert services.normalise_title("ＡＢ-c") == "abc"
    assert services.normalise_title("加装电梯") != services.normalise_title("加装电梯2")


# ---------------------------------------------------------------- the ballot register


def test_ballot_register_issued_returned_and_the_printable_page(client, estate, city):
    owners = estate.owners_each()
    staff = city.user_with("community_worker", at=city.community)
    vote = owners_vote(estate, actor=staff)
    now = timezone.now()
    services.publish_notice(actor=staff, vote_id=vote.pk, opens_at=now, closes_at=now + dt.timedelta(days=7))
    services.open_vote(actor=staff, vote_id=vote.pk)
    code = {e.label: e.code for e in Elector.objects.filter(vote=vote)}
    client.force_login(staff)
    # Staff print 1栋's sheets through the page: three sheets issued, by them, now.
    b1 = estate.buildings["1栋"].pk
    page = client.post(f"/deliberation/votes/{vote.pk}/paper/?building={b1}")
    assert page.status_code == 200 and 'data-testid="issued"' in page.content.decode()
    assert sorted(SheetIssue.objects.filter(kind="printed").values_list("elector__label", flat=True)) == [
        "1栋-101", "1栋-102", "1栋-103"]
    assert set(SheetIssue.objects.values_list("actor", flat=True)) == {staff.pk}
    # 2栋-101's sheet is handed to a family member on the register page, by code.
    r = client.post(f"/deliberation/votes/{vote.pk}/register/", {"codes": code["2栋-101"].lower(), "handed_to": "李四"})
    assert r.status_code == 302
    # Returned: a paper ballot typed from 1栋-101's sheet, a proxy ballot with its power of
    # attorney for 2栋-101; 1栋-102 votes online (needs no sheet).
    choices = agree(vote)
    scan = SimpleUploadedFile("b.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    services.enter_paper_ballot(actor=staff, vote_id=vote.pk, code=code["1栋-101"], choices=choices, scan=scan)
    services.cast_proxy_ballot(actor=staff, vote_id=vote.pk, code=code["2栋-101"], choices=choices, proxy_name="李四",
                               attachment=SimpleUploadedFile("poa.pdf", b"%PDF", content_type="application/pdf"))
    services.cast_online_ballot(actor=estate.user(owners["1栋-102"]), vote_id=vote.pk, choices=choices)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.deliberation.selectors_register import ballot_register

    with CaptureQueriesContext(connection) as queries:
        ballot_register(vote)
    assert len(queries) == 6  # however many electors
    page = client.get(f"/deliberation/votes/{vote.pk}/register/")
    html = page.content.decode()
    assert page.status_code == 200
    by = {b["name"]: (b["electors"], b["issued"], b["returned"], b["not_returned"], b["online"])
          for b in page.context["buildings"]}
    assert by == {"1栋": (3, 3, 1, 2, 1), "2栋": (3, 1, 1, 0, 0)}
    # 1栋-102 was issued a sheet but voted online: still "not returned" on paper, shown as online.
    rows = {r["label"]: r for r in page.context["rows"]}
    assert rows["1栋-103"]["outstanding"] and rows["1栋-102"]["outstanding"]
    assert rows["2栋-101"]["returned"] == "委托书" and rows["2栋-101"]["last_issue"].handed_to == "李四"
    assert page.context["total"] == {"electors": 6, "issued": 4, "returned": 2, "not_returned": 2, "online": 1}
    assert "选票发放与回收登记" in html and "李四" in html and len(page.context["history"]) == 4
    # Printing again appends; the history keeps both.
    client.post(f"/deliberation/votes/{vote.pk}/paper/?building={b1}")
    assert SheetIssue.objects.filter(elector__label="1栋-101").count() == 2
    assert AuditEntry.objects.filter(kind="deliberation.sheets_issued").count() == 3
    issue = SheetIssue.objects.first()
    with pytest.raises(AppendOnlyError):
        issue.save()
    with pytest.raises(AppendOnlyError):
        issue.delete()
    # Unknown codes are refused, naming them; nothing is written.
    r = client.post(f"/deliberation/votes/{vote.pk}/register/", {"codes": "NOPE123456"})
    assert r.status_code == 400 and "NOPE123456" in r.content.decode()
    assert SheetIssue.objects.count() == 7
    # An owner sees neither page.
    client.force_login(estate.user(owners["1栋-101"]))
    assert client.get(f"/deliberation/votes/{vote.pk}/register/").status_code in (403, 404)
    # After close nothing more is issued.
    services.close_vote(actor=staff, vote_id=vote.pk)
    with pytest.raises(Conflict):
        services.issue_sheets(actor=staff, vote_id=vote.pk, codes=[code["2栋-102"]])


def test_register_refuses_an_empty_selection_and_other_places_staff(estate, city):
    estate.owners_each()
    vote = owners_vote(estate)
    now = timezone.now()
    services.publish_notice(actor=SYSTEM, vote_id=vote.pk, opens_at=now, closes_at=now + dt.timedelta(days=7))
    with pytest.raises(Invalid):
        services.issue_sheets(actor=SYSTEM, vote_id=vote.pk, codes=[])
    stranger = city.user_with("grid_worker", at=city.other_grid)
    with pytest.raises((Forbidden, NotFound)):
        services.issue_sheets(actor=stranger, vote_id=vote.pk, elector_ids=[Elector.objects.first().pk])


# ---------------------------------------------------------------- the unregistered purchaser


def test_a_purchaser_living_there_not_yet_registered_is_the_owner(estate, city):
    """1栋-101 owned by A (100 m²); 1栋-102 no registered owner, bought and lived in by P
    (100); 1栋-103 flagged as the developer's unsold, but sold to Q who lives there (100);
    2栋-101 registered to B with C also recorded as purchaser (80.50): counts once, as B's;
    2栋-102 and 2栋-103 have nobody: the developer, one owner together (219.99).
    Heads: A, P, Q, B, developer = 5; area 600.49; online voters: A, P, Q, B."""
    a = estate.person("业主甲", "1栋-101")
    estate.own(a, "1栋-101")
    p = estate.person("购房人乙", "1栋-102")
    q = estate.person("购房人丙", "1栋-103")
    b = estate.person("业主丁", "2栋-101")
    estate.own(b, "2栋-101")
    c = estate.person("购房人戊", "2栋-101", relation="other")
    estate.title("1栋-103", developer_unsold=True)
    from linli.places.models import Dwelling

    def dw(at):
        return Dwelling.objects.get(place=estate.dwellings[at]).pk

    staff = city.user_with("community_worker", at=city.community)
    services.set_unregistered_purchaser(actor=staff, dwelling_id=dw("1栋-102"), resident_id=p.pk, note="购房合同")
    services.set_unregistered_purchaser(actor=staff, dwelling_id=dw("1栋-103"), resident_id=q.pk)
    services.set_unregistered_purchaser(actor=staff, dwelling_id=dw("2栋-101"), resident_id=c.pk)
    with pytest.raises(Invalid) as err:  # must live there
        services.set_unregistered_purchaser(actor=staff, dwelling_id=dw("2栋-102"), resident_id=p.pk)
    assert err.value.field == "resident_id"
    assert AuditEntry.objects.filter(kind="deliberation.purchaser_set").count() == 3

    vote = owners_vote(estate)
    now = timezone.now()
    services.publish_notice(actor=SYSTEM, vote_id=vote.pk, opens_at=now, closes_at=now + dt.timedelta(days=7))
    vote.refresh_from_db()
    t = vote.frozen["totals"]
    assert (t["heads"], t["area"], t["dwellings"]) == (5, area("600.49"), 6)
    assert (t["developer_dwellings"], t["unowned_dwellings"]) == (2, 2)
    electors = {e.label: e for e in Elector.objects.filter(vote=vote).prefetch_related("voters")}
    assert {k: (e.heads, e.area_centi, e.is_developer) for k, e in electors.items()} == {
        "1栋-101": (1, area("100"), False), "1栋-102": (1, area("100"), False), "1栋-103": (1, area("100"), False),
        "2栋-101": (1, area("80.50"), False), "2栋-102、2栋-103": (1, area("219.99"), True)}
    assert {k: sorted(v.resident_id for v in e.voters.all()) for k, e in electors.items()} == {
        "1栋-101": [a.pk], "1栋-102": [p.pk], "1栋-103": [q.pk], "2栋-101": [b.pk], "2栋-102、2栋-103": []}
    # The purchaser votes online for their dwelling like any owner.
    services.open_vote(actor=SYSTEM, vote_id=vote.pk)
    services.cast_online_ballot(actor=estate.user(p), vote_id=vote.pk, choices=agree(vote))
    with pytest.raises(Forbidden):
        services.cast_online_ballot(actor=estate.user(c), vote_id=vote.pk, choices=agree(vote))
    # Cleared, the next roll counts 1栋-102 with the developer again; this vote's roll stays frozen.
    services.set_unregistered_purchaser(actor=staff, dwelling_id=dw("1栋-102"), resident_id=None)
    assert Vote.objects.get(pk=vote.pk).frozen["totals"]["heads"] == 5


def test_the_manage_page_says_what_the_clock_will_do(client, clock, estate, city):
    owners = estate.owners_each()
    convener = city.user_with("community_worker", at=city.community)
    vote = noticed(estate, convener)
    client.force_login(convener)
    when = timezone.localtime(vote.opens_at).strftime("%Y-%m-%d %H:%M")
    assert f"到 {when} 系统自动开始投票" in client.get(f"/deliberation/votes/{vote.pk}/manage/").content.decode()
    clock.move_to(vote.opens_at)
    services.run_vote_clock()
    services.cast_online_ballot(actor=estate.user(owners["1栋-101"]), vote_id=vote.pk, choices=agree(vote))
    assert "系统自动截止并计票" in client.get(f"/deliberation/votes/{vote.pk}/manage/").content.decode()
    clock.move_to(vote.closes_at + dt.timedelta(minutes=1))
    services.run_vote_clock()
    page = client.get(f"/deliberation/votes/{vote.pk}/manage/").content.decode()
    assert "参与人数不足：可延期一次" in page and "延期（仅一次）" in page
