"""The owners' roll import: whole file checked first, every bad row reported with its column,
nothing written unless all is good, re-import changes nothing, check-only writes nothing, and
a vote frozen afterwards counts what the roll says."""

import datetime as dt

import pytest

from linli.core.actors import SYSTEM
from linli.core.identity import make_id_number
from linli.deliberation import services
from linli.deliberation.models import DwellingTitle, Elector
from linli.deliberation.roll_import import import_roll, read_roll
from linli.places.models import Ownership, Resident

from .estate import Estate, period

pytestmark = pytest.mark.django_db

ID1 = make_id_number("510115", dt.date(1970, 3, 1), 11)
ID2 = make_id_number("510115", dt.date(1972, 4, 2), 12)
ID3 = make_id_number("510115", dt.date(1975, 5, 3), 13)
GOOD = f"""楼栋,房号,登记面积,业主姓名,身份证号,联系电话,指定投票人,建设单位未售
1栋,101,89.50,张三,{ID1},13800001111,,
1栋,102,100,李四,{ID2},,王芳,
1栋,102,100,王芳,{ID3},,王芳,
1栋,103,120,,,,,是
"""


@pytest.fixture
def estate(city):
    return Estate(city, {"1栋": [("101", "80"), ("102", "90"), ("103", None)]})


def run(estate, text, **kw):
    return import_roll(actor=SYSTEM, compound_id=estate.compound.pk, rows=read_roll(text.encode(), "roll.csv"), **kw)


def test_good_roll_imports_and_a_second_import_changes_nothing(estate):
    dry = run(estate, GOOD, dry_run=True)
    assert dry.ok and dry.dwellings == 3 and not Ownership.objects.exists() and not DwellingTitle.objects.exists()
    first = run(estate, GOOD)
    assert first.ok and (first.owners_created, first.ownerships_added, first.titles_changed) == (3, 3, 3)
    wang = Resident.objects.get(name="王芳")
    assert not wang.lives_here and wang.id_number_masked.endswith(ID3[-1:])  # the check digit only (issue 10 §1)
    t102 = DwellingTitle.objects.get(dwelling__place__name="102")
    assert t102.named_voter == wang and str(t102.registered_area) == "100.00"
    assert DwellingTitle.objects.get(dwelling__place__name="103").developer_unsold
    again = run(estate, GOOD)
    assert again.ok and (again.owners_created, again.ownerships_added, again.ownerships_removed,
                         again.titles_changed) == (0, 0, 0, 0)

    # A vote frozen now counts the roll: registered areas, the developer, the named co-owner.
    vote = services.create_vote(actor=SYSTEM, place_id=estate.compound.pk, kind="owners", title="t",
                                matters=[{"title": "t", "kind": "ordinary"}])
    services.publish_notice(actor=SYSTEM, vote_id=vote.pk, **period())
    rows = {e.label: (e.area_centi, e.is_developer, list(e.voters.values_list("resident__name", flat=True)))
            for e in Elector.objects.filter(vote=vote)}
    assert rows == {"1栋-101": (8950, False, ["张三"]), "1栋-102": (10000, False, ["王芳"]),
                    "1栋-103": (12000, True, [])}


def test_every_bad_row_is_reported_and_nothing_is_written(estate):
    bad_id = ID1[:-1] + ("0" if ID1[-1] != "0" else "1")
    text = f"""楼栋,房号,登记面积,业主姓名,身份证号
1栋,101,-5,张三,{ID1}
1栋,102,100,李四,{ID2}
1栋,102,101,王芳,{ID3}
1栋,103,120,赵六,{bad_id}
1栋,909,50,钱七,
1栋,101,,,
"""
    report = run(estate, text)
    got = sorted((e["row"], e["column"]) for e in report.errors)
    assert got == [(2, "登记面积"), (4, "登记面积"), (5, "身份证号"), (6, "房号"), (7, "业主姓名")]
    assert "校验位" in next(e["message"] for e in report.errors if e["row"] == 5)
    assert not Ownership.objects.exists() and not DwellingTitle.objects.exists()
    assert not Resident.objects.filter(name__in=["张三", "李四", "王芳"]).exists()


def test_an_edited_roll_updates_the_owners(estate):
    run(estate, GOOD)
    edited = GOOD.replace(f"1栋,101,89.50,张三,{ID1},13800001111,,", f"1栋,101,89.50,李四,{ID2},,,")
    report = run(estate, edited)
    assert report.ok and (report.ownerships_added, report.ownerships_removed) == (1, 1)
    assert list(Ownership.objects.filter(dwelling__place__name="101").values_list("owner__name", flat=True)) == ["李四"]
