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
    assert set(Ballot.objects.filter(vote=finished).values_list("kind", flat=True)) >= {"paper", "proxy"}
    election = Vote.objects.get(title="选举第一届业主委员会委员")
    assert election.status == "open" and CountedBallot.objects.filter(vote=election).exists()
    meeting = Meeting.objects.get(kind="courtyard", place__name="金穗苑小区")
    assert meeting.status == "minutes" and Attendance.objects.filter(meeting=meeting).count() > 0
    assert all(i.approved_at for i in meeting.items.all())
