"""The pages, as a person sees them (Django's test client)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.deliberation.models import CountedBallot, Elector, Vote

from .estate import Estate
from .test_votes import choose, owners_vote, publish_and_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate(city):
    return Estate(city, {"1栋": [("101", "100"), ("102", "100"), ("103", "100")]})


def test_resident_votes_on_the_page_and_gets_a_receipt(client, estate):
    owners = estate.owners_each()
    vote = publish_and_open(owners_vote(estate))
    user = estate.user(owners["1栋-101"])
    client.force_login(user)
    page = client.get("/deliberation/").content.decode()
    assert "更换小区大门" in page
    page = client.get(f"/deliberation/votes/{vote.pk}/").content.decode()
    assert "提交选票" in page and "投票截止后公布结果" in page
    [(mid, [agree])] = choose(vote, "agree").items()
    r = client.post(f"/deliberation/votes/{vote.pk}/", {f"m{mid}": str(agree)})
    body = r.content.decode()
    assert r.status_code == 200 and "投票成功" in body
    receipt = CountedBallot.objects.get(vote=vote).ballot.receipt
    assert receipt in body
    assert receipt in client.get("/deliberation/").content.decode()


def test_a_bad_ballot_shows_its_error(client, estate):
    owners = estate.owners_each()
    vote = publish_and_open(owners_vote(estate))
    client.force_login(estate.user(owners["1栋-101"]))
    r = client.post(f"/deliberation/votes/{vote.pk}/", {})
    assert r.status_code == 400 and "请至少对一个事项作出选择" in r.content.decode()


def test_staff_set_up_shows_the_frozen_roll_and_enters_paper_twice(client, estate, city):
    estate.owners_each()
    a = city.user_with("community_worker", at=city.community, name="录入员甲")
    b = city.user_with("community_worker", at=city.community, name="录入员乙")
    client.force_login(a)
    r = client.post("/deliberation/votes/new/", {"place_id": estate.compound.pk, "kind": "owners",
                                                 "title": "维修屋面", "matter_kind": "special", "allow_change": "1",
                                                 "precedence": "paper_first"})
    vote = Vote.objects.get(title="维修屋面")
    assert r.status_code == 302
    r = client.post(f"/deliberation/votes/{vote.pk}/manage/", {"action": "notice", "opens_at": "2020-01-01T08:00",
                                                                "closes_at": "2099-01-01T08:00"})
    assert r.status_code == 302
    page = client.get(f"/deliberation/votes/{vote.pk}/manage/").content.decode()
    assert "冻结的名册" in page and "300.00" in page
    client.post(f"/deliberation/votes/{vote.pk}/manage/", {"action": "open"})
    e = Elector.objects.get(vote=vote, label="1栋-101")
    [(mid, [agree])] = choose(vote, "agree").items()
    scan = SimpleUploadedFile("s.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    r = client.post(f"/deliberation/votes/{vote.pk}/manage/", {"action": "paper", "code": e.code,
                                                                f"m{mid}": str(agree), "scan": scan})
    assert r.status_code == 302 and not CountedBallot.objects.filter(vote=vote).exists()
    client.force_login(b)
    r = client.post(f"/deliberation/votes/{vote.pk}/manage/", {"action": "paper", "code": e.code,
                                                                f"m{mid}": str(agree)}, follow=True)
    assert "两次录入一致" in r.content.decode()
    assert CountedBallot.objects.get(vote=vote).channel == "paper"


def test_results_page_and_notice_after_close(client, estate, city):
    owners = estate.owners_each()
    vote = publish_and_open(owners_vote(estate))
    from linli.deliberation import services
    from linli.core.actors import SYSTEM

    for at in owners:
        services.cast_online_ballot(actor=estate.user(owners[at]), vote_id=vote.pk, choices=choose(vote, "agree"))
    services.close_vote(actor=SYSTEM, vote_id=vote.pk)
    services.publish_preliminary(actor=SYSTEM, vote_id=vote.pk)
    client.force_login(estate.user(owners["1栋-102"]))
    page = client.get(f"/deliberation/votes/{vote.pk}/notice/").content.decode()
    assert "表决结果公示（询异）" in page and "通过" in page and "300.00/300.00㎡" in page
    assert "1栋-103" in page


def test_printable_paper_ballots_and_register(client, estate, city):
    owners = estate.owners_each()
    vote = publish_and_open(owners_vote(estate))
    staff = city.user_with("community_worker", at=city.community)
    client.force_login(staff)
    codes = list(Elector.objects.filter(vote=vote).values_list("code", flat=True))
    page = client.get(f"/deliberation/votes/{vote.pk}/paper/").content.decode()
    assert all(c in page for c in codes) and "签名" in page and "100.00㎡" in page and "1栋-102" in page
    from linli.deliberation import services

    services.cast_online_ballot(actor=estate.user(owners["1栋-101"]), vote_id=vote.pk, choices=choose(vote, "agree"))
    register = client.get(f"/deliberation/votes/{vote.pk}/paper/?register=1", follow=True).content.decode()
    assert "选票发放与回收登记" in register and "网络投票" in register
    client.force_login(estate.user(owners["1栋-102"]))
    assert client.get(f"/deliberation/votes/{vote.pk}/paper/").status_code == 403
