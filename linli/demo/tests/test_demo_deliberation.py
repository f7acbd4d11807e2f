"""The demo's deliberation in 金穗苑小区: a finished owners' vote, an open election and a
courtyard meeting with approved minutes, all made by the services."""

from io import StringIO

import pytest
from django.core.management import call_command

from linli.deliberation.models import Attendance, Ballot, CountedBallot, Meeting, Vote


@pytest.mark.django_db
def test_demo_votes_and_meeting():
    call_command("load_demo", scale=0.05, stdout=StringIO())
    finished = Vote.objects.get(title="停车位划线、充电桩和垃圾房改造")
    assert finished.status == "final" and finished.place.name == "金穗苑小区"
    result = finished.result
    assert result["matters"][0]["quorum"]["met"] and result["matters"][0]["passed"]
    assert result["ballots"]["counted"] == CountedBallot.objects.filter(vote=finished).count() > 0
    # By building: the buildings' participants and totals add up to the whole vote's.
    parts = [b["matters"][0]["participants"] for b in result["by_building"]]
    assert len(parts) > 1 and sum(p["heads"]["count"] for p in parts) == result["matters"][0]["participants"]["real_heads"]
    assert sum(b["totals"]["area"] for b in result["by_building"]) == finished.frozen["totals"]["area"]
    assert set(Ballot.objects.filter(vote=finished).values_list("kind", flat=True)) >= {"paper", "proxy"}
    election = Vote.objects.get(title="选举第一届业主委员会委员")
    assert election.status == "open" and CountedBallot.objects.filter(vote=election).exists()
    meeting = Meeting.objects.get(kind="courtyard", place__name="金穗苑小区")
    assert meeting.status == "minutes" and Attendance.objects.filter(meeting=meeting).count() > 0
    assert all(i.approved_at for i in meeting.items.all())
    # The decision is on the compound's problem list, and the topic shows its photo.
    [item] = meeting.items.select_related("list_item", "topic")
    assert item.list_item.kind == "problem" and item.list_item.source_kind == "decision"
    assert item.list_item.source_id == item.pk and item.list_item.place_id == meeting.place_id
    assert item.topic.photos.count() == 1


@pytest.mark.django_db
def test_demo_owners_assembly_shows_its_quorum_and_loads_once(client):
    from linli.demo.deliberation import ASSEMBLY, load_demo_assembly
    from linli.deliberation.models import SignIn
    from linli.deliberation.selectors_meetings import assembly_quorum

    call_command("load_demo", scale=0.05, stdout=StringIO())
    assembly = Meeting.objects.select_related("place", "convener").get(title=ASSEMBLY)
    assert (assembly.kind, assembly.status, assembly.place.name) == ("owners", "held", "金穗苑小区")
    q = assembly_quorum(assembly)
    # The same owners, counted by the same rule, as the finished owners' vote's frozen roll.
    roll = Vote.objects.get(title="停车位划线、充电桩和垃圾房改造").frozen["totals"]
    assert (q["heads"]["of"], q["area"]["of"]) == (roll["heads"], roll["area"])
    assert 0 < q["heads"]["count"] < q["heads"]["of"] and 0 < q["area"]["count"] < q["area"]["of"]
    assert q["not_owners"] > 0 and q["signed"] == Attendance.objects.filter(meeting=assembly).count()
    assert not q["met"] and q["short_heads"] > 0  # sign-in still under way: what is missing is shown

    signed = SignIn.objects.filter(meeting=assembly).count()
    assert load_demo_assembly() == assembly.pk
    assert SignIn.objects.filter(meeting=assembly).count() == signed
    assert Meeting.objects.filter(title=ASSEMBLY).count() == 1

    client.force_login(assembly.convener)
    page = client.get(f"/deliberation/meetings/{assembly.pk}/").content.decode()
    assert "业主大会到会情况" in page and f"还差 {q['short_heads']} 人" in page


@pytest.mark.django_db
def test_demo_register_purchaser_and_a_vote_the_scheduler_opens():
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from linli.deliberation import services
    from linli.deliberation.models import DwellingTitle, Elector, SheetIssue

    call_command("load_demo", scale=0.05, stdout=StringIO())
    finished = Vote.objects.get(title="停车位划线、充电桩和垃圾房改造")
    # Every elector's sheet was printed; paper and proxy ballots are the ones returned.
    assert SheetIssue.objects.filter(vote=finished).count() == Elector.objects.filter(vote=finished).count()
    title = DwellingTitle.objects.get(purchaser__isnull=False)
    assert Elector.objects.filter(vote=finished, voters__resident=title.purchaser_id, is_developer=False).exists()
    upcoming = Vote.objects.get(title="楼道照明改造征求意见")
    assert upcoming.status == "notice"
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11), tick=False):
        assert services.run_vote_clock()["opened"] == 1
    assert Vote.objects.get(pk=upcoming.pk).status == "open"
