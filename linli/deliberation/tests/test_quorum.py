"""An owners' assembly's sign-in against the quorum of Civil Code art. 278, counted by hand:
exactly two thirds meets it, one hundredth of a square metre short does not, a buyer of two
dwellings, the developer's unsold dwellings and a co-owned dwelling each count once."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from linli.deliberation import selectors_meetings
from linli.deliberation import services_meetings as sm
from linli.deliberation.models import Meeting
from linli.testing import queries, same_queries

from .estate import Estate

pytestmark = pytest.mark.django_db

_nonces = itertools.count(1)


def assembly(estate, city, kind="owners"):
    convener = city.user_with("community_worker", at=city.community)
    # Noticed eight days ahead (an owners' assembly needs seven by default), held now.
    meeting = sm.create_meeting(actor=convener, place_id=estate.compound.pk, kind=kind, title="业主大会",
                                starts_at=timezone.now() + dt.timedelta(days=8))
    sm.publish_meeting_notice(actor=convener, meeting_id=meeting.pk)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now())
    return convener, Meeting.objects.select_related("place").get(pk=meeting.pk)


def sign(convener, meeting, *residents, method="qr"):
    for r in residents:
        sm.sign_in(actor=convener, meeting_id=meeting.pk, resident_id=r.pk, method=method,
                   nonce=f"quorum-{next(_nonces):06d}")


def test_exactly_two_thirds_meets_the_quorum_and_a_hundredth_short_does_not(city):
    estate = Estate(city, {"1栋": [("101", "100.00"), ("102", "100.00"), ("103", "100.00")]})
    owners = estate.owners_each()
    convener, meeting = assembly(estate, city)
    sign(convener, meeting, owners["1栋-101"])
    q = selectors_meetings.assembly_quorum(meeting)
    # 1 of 3 owners, 100 of 300 m²: two thirds is 2 owners and 200.00 m².
    assert (q["heads"]["count"], q["heads"]["of"], q["area"]["m2"], q["area"]["of_m2"]) == (1, 3, "100.00", "300.00")
    assert (q["heads_ok"], q["area_ok"], q["met"]) == (False, False, False)
    assert (q["short_heads"], q["short_m2"]) == (1, "100.00")

    sign(convener, meeting, owners["1栋-102"])
    q = selectors_meetings.assembly_quorum(meeting)
    # 2/3 of the owners and 200/300 of the area: "以上" includes exactly two thirds.
    assert (q["heads"]["count"], q["area"]["m2"], q["met"], q["short_heads"], q["short_area"]) == (2, "200.00", True, 0, 0)

    # The registered area wins over the dwelling's own: 103 is 100.01 m², the whole 300.01 m²,
    # two thirds 200.0066… m², so 200.00 m² present is 0.01 m² short while the heads still meet.
    estate.title("1栋-103", registered_area="100.01", surveyed_area="99.00", contract_area="98.00")
    q = selectors_meetings.assembly_quorum(meeting)
    assert (q["area"]["of_m2"], q["heads_ok"], q["area_ok"], q["met"]) == ("300.01", True, False, False)
    assert (q["short_heads"], q["short_area"], q["short_m2"]) == (0, 1, "0.01")


def test_a_buyer_of_two_dwellings_the_developer_and_co_owners_each_count_once(city):
    estate = Estate(city, {"1栋": [("101", "80"), ("102", "70")],
                           "2栋": [("101", "50"), ("102", "60"), ("103", "40"), ("104", "30")],
                           "3栋": [("101", "90")]})
    zhang = estate.person("张建国", "1栋-101")
    estate.own(zhang, "1栋-101", "1栋-102")          # one buyer, two dwellings: one owner, 150 m²
    li = estate.person("李秀英", "2栋-101")
    estate.own(li, "2栋-101")
    wang = estate.person("王德明", "2栋-102")
    estate.own(wang, "2栋-102")
    tenant = estate.person("孙租户", "2栋-102", relation="other")  # lives there, owns nothing
    estate.title("2栋-103", developer_unsold=True)    # with 104 (no owner on record): one owner, 70 m²
    zhao = estate.person("赵志强", "3栋-101")
    qian = estate.person("钱丽华", "3栋-101", relation="spouse")
    estate.own(zhao, "3栋-101")
    estate.own(qian, "3栋-101")                       # co-owners: one owner, 90 m²
    convener, meeting = assembly(estate, city)
    sign(convener, meeting, zhang, li, zhao, qian, tenant)
    sign(convener, meeting, zhao, method="list")      # ticked on the sheet as well

    q = selectors_meetings.assembly_quorum(meeting)
    # Owners: 张 150, 李 50, 王 60, the developer 70, 赵钱 90 → 5 owners, 420 m².
    # Present: 张, 李, 赵钱 → 3 owners, 290 m². Two thirds: 10/3 → 4 owners; 280 m².
    assert (q["heads"]["count"], q["heads"]["of"]) == (3, 5)
    assert (q["area"]["m2"], q["area"]["of_m2"]) == ("290.00", "420.00")
    assert (q["heads_ok"], q["area_ok"], q["met"], q["short_heads"], q["short_area"]) == (False, True, False, 1, 0)
    assert (q["signed"], q["not_owners"], q["developer_dwellings"]) == (5, 1, 2)
    by_building = [(b["name"], b["heads"]["count"], b["heads"]["of"], b["area"]["m2"], b["area"]["of_m2"])
                   for b in q["buildings"]]
    assert by_building == [("1栋", 1, 1, "150.00", "150.00"), ("2栋", 1, 3, "50.00", "180.00"),
                           ("3栋", 1, 1, "90.00", "90.00")]
    assert sorted((u["name"], u["m2"], u["present"]) for u in q["units"]) == sorted([
        ("张建国", "150.00", True), ("李秀英", "50.00", True), ("王德明", "60.00", False),
        ("建设单位", "70.00", False), ("赵志强、钱丽华", "90.00", True)])

    sign(convener, meeting, wang)
    q = selectors_meetings.assembly_quorum(meeting)
    assert (q["heads"]["count"], q["area"]["m2"], q["met"], q["short_heads"]) == (4, "350.00", True, 0)


def test_only_an_owners_assembly_has_a_quorum_and_a_missing_area_is_named(city):
    estate = Estate(city, {"1栋": [("101", "90"), ("102", None)]})
    estate.owners_each()
    _convener, courtyard = assembly(estate, city, kind="courtyard")
    assert selectors_meetings.assembly_quorum(courtyard) is None
    _convener, meeting = assembly(estate, city)
    q = selectors_meetings.assembly_quorum(meeting)
    assert [e["code"] for e in q["errors"]] == ["dwelling_without_area"]
    assert "102" in q["errors"][0]["message"]
    empty = Estate(city, {}, name="空地块")
    _convener, nothing = assembly(empty, city)
    assert [e["code"] for e in selectors_meetings.assembly_quorum(nothing)["errors"]] == ["empty_roll"]


def test_the_quorum_reads_in_constant_queries_however_many_sign_in(city):
    estate = Estate(city, {"1栋": [(f"{n}01", "88.50") for n in range(1, 13)],
                           "2栋": [(f"{n}01", "92.25") for n in range(1, 13)]})
    owners = list(estate.owners_each().values())
    convener, meeting = assembly(estate, city)
    sign(convener, meeting, *owners[:3])
    with queries(at_most=5):  # the rules of procedure, then four reads
        selectors_meetings.assembly_quorum(meeting)
    q = same_queries(lambda: selectors_meetings.assembly_quorum(meeting),
                     lambda: sign(convener, meeting, *owners[3:20]))
    # 20 of 24 owners: all 12 of 1栋 (12 × 88.50 = 1062.00 m²) and 8 of 2栋 (8 × 92.25 = 738.00 m²).
    assert (q["heads"]["count"], q["heads"]["of"], q["met"]) == (20, 24, True)
    assert q["area"]["m2"] == "1800.00" and q["area"]["of_m2"] == "2169.00"


def test_staff_see_the_quorum_move_as_they_tick_the_sheet_and_print_it(client, city):
    estate = Estate(city, {"1栋": [("101", "100.00"), ("102", "100.00")], "2栋": [("101", "100.00")]})
    owners = estate.owners_each()
    convener, meeting = assembly(estate, city)
    url = f"/deliberation/meetings/{meeting.pk}/"
    client.force_login(convener)
    client.post(url, {"action": "tick", "resident": [owners["1栋-101"].pk]})
    page = client.get(url).content.decode()
    assert "业主大会到会情况" in page and "到会业主尚未达到法定比例" in page
    assert "还差 1 人" in page and "还差 100.00 ㎡" in page
    client.post(url, {"action": "tick", "resident": [owners["2栋-101"].pk]})
    page = client.get(url).content.decode()
    assert "到会业主已达法定比例" in page and "200.00" in page and "还差" not in page

    sheet = client.get(f"/deliberation/meetings/{meeting.pk}/sheet/").content.decode()
    assert "到会业主已达法定比例" in sheet
    assert sheet.count("✓") == 2 and "1栋-102" in sheet and "业主2" in sheet and "签名" in sheet

    # The owner sees the meeting, not the staff's panel, and cannot print the sheet.
    client.force_login(estate.user(owners["1栋-102"]))
    assert "业主大会到会情况" not in client.get(url).content.decode()
    assert client.get(f"/deliberation/meetings/{meeting.pk}/sheet/").status_code == 403


def test_a_courtyard_meetings_sheet_lists_the_residents_without_a_quorum(client, city):
    estate = Estate(city, {"1栋": [("101", "90"), ("102", "90")]})
    owners = estate.owners_each()
    convener, meeting = assembly(estate, city, kind="courtyard")
    sign(convener, meeting, owners["1栋-102"])
    client.force_login(convener)
    sheet = client.get(f"/deliberation/meetings/{meeting.pk}/sheet/").content.decode()
    assert "业主大会到会情况" not in sheet and "业主1" in sheet and "业主2" in sheet and sheet.count("✓") == 1
