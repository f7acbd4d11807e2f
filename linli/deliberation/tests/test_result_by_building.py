"""The result by building, computed by hand: per building and per matter, the participation
against the building's frozen totals and each option's heads and area against the building's
participants; the totals frozen at notice; what the owners see on the result page and the
printed notice; and the statements `compute_result` takes, however many ballots and buildings."""

import pytest

from linli.core.actors import SYSTEM
from linli.deliberation import selectors, services
from linli.deliberation.models import Elector, Vote
from linli.places import services as place_services

from .estate import Estate, area
from .test_votes import owners_vote, publish_and_open, scan

pytestmark = pytest.mark.django_db

MATTERS = [{"title": "更换大门", "kind": "ordinary"}, {"title": "使用维修资金维修屋面", "kind": "special"}]


@pytest.fixture
def estate(city):
    return Estate(city, {"1栋": [("101", "100"), ("102", "100"), ("103", "100")],
                         "2栋": [("101", "80.50"), ("102", "120"), ("103", "99.99")]})


def ids(vote):
    """{(matter index, role): option id} and the matter ids."""
    vote.refresh_from_db()
    ms = vote.frozen["matters"]
    return [m["id"] for m in ms], {(i, o["role"]): o["id"] for i, m in enumerate(ms) for o in m["options"]}


def ballot(vote, **by_matter):
    """{"m0": "agree", "m1": "abstain"} as a ballot's choices."""
    mids, opt = ids(vote)
    return {mids[int(k[1:])]: [opt[(int(k[1:]), role)]] for k, role in by_matter.items()}


def row(b, matter_id):
    """One building's part of one matter as (participants, {label: option}), each a tuple of
    (heads count, heads of, heads percent, area m², area of m², area percent)."""
    m = next(x for x in b["matters"] if x["id"] == matter_id)

    def cell(x):
        return (x["heads"]["count"], x["heads"]["of"], x["heads"]["percent"],
                x["area"]["m2"], x["area"]["of_m2"], x["area"]["percent"])
    return cell(m["participants"]), {o["label"]: cell(o) for o in m["options"]}


def vote_with_ballots(estate, city):
    """张 owns 1栋-101 and 2栋-101 (one owner, 180.50 m², counted in 1栋, the building of his
    first dwelling); every other dwelling has its own owner. Roll: 1栋 3 owners 380.50 m²
    (张 180.50, 102, 103), 2栋 2 owners 219.99 m² (102 120.00, 103 99.99); 5 owners, 600.49 m².

    Ballots: 张 agrees to both; 1栋-102 disagrees to the gate and abstains on the roof;
    1栋-103 does not vote; 2栋-102 agrees to the gate, then changes to abstain on the gate and
    disagree on the roof (online); 2栋-103 agrees to the gate only, by proxy."""
    zhang = estate.person("张三", "1栋-101")
    estate.own(zhang, "1栋-101", "2栋-101")
    owners = {at: estate.person(f"业主{at}", at) for at in ("1栋-102", "1栋-103", "2栋-102", "2栋-103")}
    for at, r in owners.items():
        estate.own(r, at)
    clerk = city.user_with("community_worker", at=city.community)
    vote = publish_and_open(owners_vote(estate, matters=MATTERS))
    services.cast_online_ballot(actor=estate.user(zhang), vote_id=vote.pk, choices=ballot(vote, m0="agree", m1="agree"))
    services.cast_online_ballot(actor=estate.user(owners["1栋-102"]), vote_id=vote.pk,
                                choices=ballot(vote, m0="disagree", m1="abstain"))
    u = estate.user(owners["2栋-102"])
    services.cast_online_ballot(actor=u, vote_id=vote.pk, choices=ballot(vote, m0="agree"))
    services.cast_online_ballot(actor=u, vote_id=vote.pk, choices=ballot(vote, m0="abstain", m1="disagree"))
    services.cast_proxy_ballot(actor=clerk, vote_id=vote.pk, code=Elector.objects.get(vote=vote, label="2栋-103").code,
                               choices=ballot(vote, m0="agree"), proxy_name="李四", attachment=scan())
    return vote, zhang, owners


def test_result_by_building_per_matter_and_option(estate, city):
    vote, _zhang, _owners = vote_with_ballots(estate, city)
    services.close_vote(actor=SYSTEM, vote_id=vote.pk)
    vote.refresh_from_db()
    res = vote.result
    gate, roof = (m["id"] for m in res["matters"])
    one, two = res["by_building"]
    assert (one["name"], one["totals"], two["name"], two["totals"]) == (
        "1栋", {"heads": 3, "area": area("380.50")}, "2栋", {"heads": 2, "area": area("219.99")})

    # The gate, 1栋: 张 (180.50) and 102 (100.00) took part: 2 of 3, 280.50 of 380.50 m² (73.72 %);
    # 张 agrees: 1 of 2, 180.50 of 280.50 (64.35 %); 102 disagrees: 100.00 of 280.50 (35.65 %).
    assert row(one, gate) == (
        (2, 3, "66.67", "280.50", "380.50", "73.72"),
        {"同意": (1, 2, "50.00", "180.50", "280.50", "64.35"),
         "不同意": (1, 2, "50.00", "100.00", "280.50", "35.65"),
         "弃权": (0, 2, "0.00", "0.00", "280.50", "0.00")})
    # The gate, 2栋: both took part; 103 agrees (99.99 of 219.99: 45.45 %), 102's changed
    # ballot abstains (120.00: 54.55 %); its first ballot does not count.
    assert row(two, gate) == (
        (2, 2, "100.00", "219.99", "219.99", "100.00"),
        {"同意": (1, 2, "50.00", "99.99", "219.99", "45.45"),
         "不同意": (0, 2, "0.00", "0.00", "219.99", "0.00"),
         "弃权": (1, 2, "50.00", "120.00", "219.99", "54.55")})
    # The roof, 1栋: 张 agrees, 102 abstains.
    assert row(one, roof) == (
        (2, 3, "66.67", "280.50", "380.50", "73.72"),
        {"同意": (1, 2, "50.00", "180.50", "280.50", "64.35"),
         "不同意": (0, 2, "0.00", "0.00", "280.50", "0.00"),
         "弃权": (1, 2, "50.00", "100.00", "280.50", "35.65")})
    # The roof, 2栋: only 102 answered it (103's proxy ballot did not): 1 of 2, 120.00 of 219.99.
    assert row(two, roof) == (
        (1, 2, "50.00", "120.00", "219.99", "54.55"),
        {"同意": (0, 1, "0.00", "0.00", "120.00", "0.00"),
         "不同意": (1, 1, "100.00", "120.00", "120.00", "100.00"),
         "弃权": (0, 1, "0.00", "0.00", "120.00", "0.00")})

    # The buildings add up to the whole: the gate 4 of 5 owners with 500.49 of 600.49 m² (quorum
    # met), 2 agree of 4 with 280.49 m²: exactly half is not more than half, rejected; the roof
    # 3 of 5 owners is short of two thirds: no quorum.
    m_gate, m_roof = res["matters"]
    assert (m_gate["participants"]["heads"]["count"], m_gate["participants"]["area"]["count"]) == (4, area("500.49"))
    assert (m_gate["options"][0]["heads"]["count"], m_gate["options"][0]["area"]["count"]) == (2, area("280.49"))
    assert (m_gate["quorum"]["met"], m_gate["outcome"], m_roof["outcome"]) == (True, "rejected", "no_quorum")
    # Five ballots cast (2栋-102 twice), four count: three online, one by proxy.
    assert res["ballots"] == {"counted": 4, "cast": 5, "by_channel": {"online": 3, "proxy": 1}}


def test_building_totals_are_frozen_at_notice(estate, city):
    vote, zhang, _owners = vote_with_ballots(estate, city)
    frozen = Vote.objects.get(pk=vote.pk).frozen["totals"]["buildings"]
    assert frozen == [
        {"id": estate.buildings["1栋"].pk, "name": "1栋", "heads": 3, "area": area("380.50")},
        {"id": estate.buildings["2栋"].pk, "name": "2栋", "heads": 2, "area": area("219.99")}]
    # After the notice: a new dwelling with its owner in 2栋, 1栋's area corrected, 1栋 renamed.
    new = place_services.create_place(actor=SYSTEM, parent_id=estate.buildings["2栋"].pk, kind_code="dwelling",
                                      name="104")
    place_services.set_dwelling_area(actor=SYSTEM, dwelling_id=new.pk, floor_area="90")
    estate.dwellings["2栋-104"] = new
    estate.own(estate.person("新业主", "2栋-104"), "2栋-104")
    place_services.set_dwelling_area(actor=SYSTEM, dwelling_id=estate.dwellings["1栋-102"].pk, floor_area="150")
    place_services.update_place(actor=SYSTEM, place_id=estate.buildings["1栋"].pk, name="一栋")
    services.close_vote(actor=SYSTEM, vote_id=vote.pk)
    vote.refresh_from_db()
    assert [(b["name"], b["totals"]["heads"], b["totals"]["area"]) for b in vote.result["by_building"]] == [
        ("1栋", 3, area("380.50")), ("2栋", 2, area("219.99"))]


def test_a_vote_frozen_before_building_totals_were_kept_gets_the_same_result(estate, city):
    vote, _zhang, _owners = vote_with_ballots(estate, city)
    vote = Vote.objects.get(pk=vote.pk)
    kept = selectors.compute_result(vote)
    del vote.frozen["totals"]["buildings"]
    assert selectors.compute_result(vote) == kept


def test_compute_result_takes_two_statements_however_many_ballots_and_buildings(city, django_assert_num_queries):
    small = Estate(city, {"1栋": [("101", "100"), ("102", "100"), ("103", "100")]}, name="小苑")
    big = Estate(city, {f"{b}栋": [(f"{d}01", "90") for d in range(1, 6)] for b in range(1, 7)}, name="大苑")
    clerk = city.user_with("community_worker", at=city.community)
    for estate, n in ((small, 3), (big, 30)):
        estate.owners_each()
        vote = publish_and_open(owners_vote(estate))
        for e in Elector.objects.filter(vote=vote)[:n]:
            services.cast_proxy_ballot(actor=clerk, vote_id=vote.pk, code=e.code, choices=ballot(vote, m0="agree"),
                                       proxy_name="受托人", attachment=scan())
        vote = Vote.objects.get(pk=vote.pk)
        with django_assert_num_queries(2):
            res = selectors.compute_result(vote)
        assert res["ballots"]["counted"] == n and len(res["by_building"]) == (1 if n == 3 else 6)
        # A vote frozen before the building totals were kept reads them: one statement more.
        del vote.frozen["totals"]["buildings"]
        with django_assert_num_queries(3):
            assert selectors.compute_result(vote) == res


def test_owners_see_the_result_by_building_on_the_vote_page_and_the_notice(client, estate, city):
    vote, zhang, owners = vote_with_ballots(estate, city)
    services.close_vote(actor=SYSTEM, vote_id=vote.pk)
    services.publish_preliminary(actor=SYSTEM, vote_id=vote.pk)
    # An owner who did not vote sees it like the others.
    client.force_login(estate.user(owners["1栋-103"]))
    for url in (f"/deliberation/votes/{vote.pk}/", f"/deliberation/votes/{vote.pk}/notice/"):
        page = client.get(url).content.decode()
        assert "分楼栋表决情况（2 栋）" in page
        # The gate's table, 1栋: 2/3 owners and 280.50/380.50 ㎡ took part; 张 agreed with 180.50 of 280.50.
        table = page[page.index('data-testid="by-building-1"'):page.index('data-testid="by-building-2"')]
        one = table[table.index('data-building="1栋"'):table.index('data-building="2栋"')]
        assert all(x in one for x in ("2/3", "66.67%", "280.50/380.50㎡", "73.72%", "180.50/280.50㎡", "64.35%"))
        two = table[table.index('data-building="2栋"'):]
        assert all(x in two for x in ("2/2", "219.99/219.99㎡", "99.99/219.99㎡", "45.45%", "120.00/219.99㎡"))
    # Printed, the notice shows the tables open; the vote page keeps them folded.
    assert 'data-testid="by-building" open' in client.get(f"/deliberation/votes/{vote.pk}/notice/").content.decode()
    assert 'data-testid="by-building" open' not in client.get(f"/deliberation/votes/{vote.pk}/").content.decode()
