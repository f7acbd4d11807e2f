"""平安社区's annual awards in the demo (seed 004): 睦邻之星 decided by a residents' vote whose
final result named the winners, 十佳楼栋长 by the committee, both published; a second run
changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from linli.awards.models import AwardRound, Nomination, RoundEvent
from linli.demo.awards import load_demo_awards


@pytest.mark.django_db
def test_demo_awards():
    call_command("load_demo", scale=0.05, stdout=StringIO())
    rounds = {r.kind: r for r in AwardRound.objects.select_related("community", "vote")}
    star, heads = rounds["neighbour_star"], rounds["building_head"]
    assert star.community.name == heads.community.name == "平安社区"
    assert star.status == heads.status == "published" and star.year == heads.year
    assert star.method == "vote" and star.vote.status == "final" and star.vote.kind == "resident"
    elected = set(star.vote.result["matters"][0]["elected"])
    winners = Nomination.objects.filter(round=star, winner=True)
    assert elected and set(winners.values_list("option_id", flat=True)) == elected
    assert 0 < winners.count() <= star.seats
    assert all(n.figures and n.source == "record" for n in Nomination.objects.filter(round=star))
    head_winners = Nomination.objects.filter(round=heads, winner=True)
    assert heads.method == "committee" and heads.vote is None and 0 < head_winners.count() <= heads.seats
    assert {"building_cases", "buildings"} <= set(head_winners.first().figures)

    html = Client().get(f"/awards/{star.community_id}/{star.year}/").content.decode()
    assert "睦邻之星" in html and "十佳楼栋长" in html and winners.first().name in html

    before = (AwardRound.objects.count(), Nomination.objects.count(), RoundEvent.objects.count())
    load_demo_awards()
    assert (AwardRound.objects.count(), Nomination.objects.count(), RoundEvent.objects.count()) == before
