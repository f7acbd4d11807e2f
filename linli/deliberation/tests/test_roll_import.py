"""The owners' roll import: whole file checked first, every bad row reported with its column,
nothing written unless all is good, re-import changes nothing, check-only writes nothing, and
a vote frozen afterwards counts what the roll says."""

import datetime as dt
import io
from decimal import Decimal

import pytest

from linli.core.actors import SYSTEM
from linli.core.identity import make_id_number
from linli.core.models import AuditEntry
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


# ---------------------------------------------------------------- real .xlsx files, scope, counts

HEADER = ["楼栋", "单元", "房号", "登记面积", "业主姓名", "身份证号", "联系电话", "指定投票人", "建设单位未售"]


def xlsx(rows, header=HEADER) -> bytes:
    """An .xlsx as a community would save it: areas and doors as numbers, IDs as text."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD_ROWS = [
    ("1栋", None, 101, 89.5, "张三", ID1, "13800001111", None, None),
    ("1栋", None, 102, 100, "李四", ID2, None, "王芳", None),
    ("1栋", None, 102, 100, "王芳", ID3, None, "王芳", None),
    ("1栋", None, 103, 120, None, None, None, None, "是"),
]


def run_xlsx(estate, rows, actor=SYSTEM, **kw):
    return import_roll(actor=actor, compound_id=estate.compound.pk, rows=read_roll(xlsx(rows), "名册.xlsx"), **kw)


def written():
    return (Resident.objects.count(), Ownership.objects.count(), DwellingTitle.objects.count(),
            AuditEntry.objects.filter(kind="deliberation.import_roll").count())


def test_an_xlsx_roll_check_only_reports_what_would_change_and_writes_nothing(estate):
    before = written()
    dry = run_xlsx(estate, GOOD_ROWS, dry_run=True)
    assert dry.ok and dry.dry_run
    assert dry.counts() == {"total_rows": 4, "dwellings": 3, "dwellings_changed": 3, "owners_created": 3,
                            "ownerships_added": 3, "ownerships_removed": 0, "titles_created": 3, "titles_updated": 0}
    assert written() == before
    done = run_xlsx(estate, GOOD_ROWS)
    assert done.counts() == {**dry.counts()}  # the check said exactly what the import did
    assert written() == (before[0] + 3, before[1] + 3, before[2] + 3, before[3] + 1)
    t101 = DwellingTitle.objects.get(dwelling__place__name="101")
    assert t101.registered_area == Decimal("89.50") and t101.named_voter is None
    # PII as the people import keeps it: encrypted, hashed, masked; never in the audit entry.
    zhang = Resident.objects.get(name="张三")
    assert zhang.id_number_enc and ID1 not in zhang.id_number_enc and zhang.id_number_masked != ID1
    assert zhang.phone_masked != "13800001111" and zhang.phone_hash
    audit = AuditEntry.objects.get(kind="deliberation.import_roll")
    assert ID1 not in str(audit.data) and audit.data["dwellings_changed"] == 3

    again = run_xlsx(estate, GOOD_ROWS)
    assert again.ok and again.dwellings_changed == 0 and again.dwellings_unchanged == 3
    assert (again.owners_created, again.ownerships_added, again.ownerships_removed, again.titles_changed) == (0, 0, 0, 0)
    assert written()[:3] == (before[0] + 3, before[1] + 3, before[2] + 3)
    # A check of the same file now also says nothing would change.
    assert run_xlsx(estate, GOOD_ROWS, dry_run=True).dwellings_changed == 0


def test_every_kind_of_bad_row_in_an_xlsx_is_reported_with_its_column(estate):
    bad_id = ID1[:-1] + ("0" if ID1[-1] != "0" else "1")
    rows = [
        ("1栋", None, 101, -5, "张三", ID1, None, None, None),           # 2 area not positive
        ("1栋", None, 102, "八十", "李四", ID2, None, None, None),       # 3 area not a number
        ("1栋", None, 103, 120, "赵六", bad_id, None, None, None),       # 4 ID checksum
        ("1栋", None, 103, 121, "孙八", ID3, None, None, None),          # 5 same dwelling, another area
        ("9栋", None, 101, 50, "钱七", None, None, None, None),          # 6 unknown building
        ("1栋", "2单元", 101, 50, "周九", None, None, None, None),       # 7 unknown unit
        ("1栋", None, 909, 50, "吴十", None, None, None, None),          # 8 unknown door
        ("1栋", None, None, 50, "郑一", None, None, None, None),         # 9 no door
        ("1栋", None, 101, None, None, None, None, None, None),          # 10 no owner
        ("1栋", None, 102, None, "冯二", None, "12345", None, None),     # 11 bad phone
        ("1栋", None, 102, None, "陈三", None, None, "不是业主", "也许"),  # 12 named voter, developer flag
    ]
    before = written()
    report = run_xlsx(estate, rows)
    got = [(e["row"], e["column"]) for e in report.errors]
    assert got == [(2, "登记面积"), (3, "登记面积"), (4, "身份证号"), (5, "登记面积"), (6, "楼栋"), (7, "单元"),
                   (8, "房号"), (9, "房号"), (10, "业主姓名"), (11, "联系电话"), (12, "建设单位未售"),
                   (12, "指定投票人")]
    messages = {(e["row"], e["column"]): e["message"] for e in report.errors}
    assert messages[(2, "登记面积")] == messages[(3, "登记面积")] == "面积须是大于0的数字"
    assert messages[(4, "身份证号")] == "身份证号校验位不正确"
    assert messages[(5, "登记面积")] == "同一房屋出现两次，面积不一致（第 4 行）"
    assert messages[(6, "楼栋")] == "本小区没有楼栋“9栋”"
    assert messages[(7, "单元")] == "楼栋“1栋”没有单元“2单元”"
    assert messages[(8, "房号")].startswith("本小区没有房屋“1栋909”")
    assert report.bad_rows == 11 and not report.ok
    assert written() == before
    for e in report.errors:  # no message repeats an ID number or phone
        assert ID1 not in e["message"] and bad_id not in e["message"] and "12345" not in e["message"]


def test_only_staff_who_may_import_in_the_compound_may_import_its_roll(estate, city):
    from linli.core.errors import Forbidden, Invalid, NotFound

    rows = read_roll(xlsx(GOOD_ROWS), "名册.xlsx")
    outsiders = [city.user_with("grid_head", at=city.other_grid, name="隔壁网格长"),
                 city.user_with("grid_worker", at=city.grid, name="网格员"),
                 city.user_with("owners_committee", at=estate.compound, name="业委会委员")]
    for outsider in outsiders:
        # refused (reported as not found: scope does not say what exists outside it)
        with pytest.raises((Forbidden, NotFound)):
            import_roll(actor=outsider, compound_id=estate.compound.pk, rows=rows)
        with pytest.raises((Forbidden, NotFound)):
            import_roll(actor=outsider, compound_id=estate.compound.pk, rows=rows, dry_run=True)
    assert not Ownership.objects.exists() and not DwellingTitle.objects.exists()
    head = city.user_with("grid_head", at=city.grid, name="刘网格长")
    with pytest.raises(Invalid) as exc:  # a grid is not a compound
        import_roll(actor=head, compound_id=city.grid.pk, rows=rows)
    assert exc.value.field == "compound_id"
    report = import_roll(actor=head, compound_id=estate.compound.pk, rows=rows)
    assert report.ok and Ownership.objects.count() == 3
    assert AuditEntry.objects.get(kind="deliberation.import_roll").actor_id == head.pk


def test_the_import_runs_a_fixed_number_of_queries_whatever_the_roll_size(city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counted(n, name):
        estate = Estate(city, {"1栋": [(str(100 + i), "80") for i in range(1, n + 1)]}, name=name)
        rows = [("1栋", None, 100 + i, 80, f"业主{name}{i}", make_id_number("510115", dt.date(1960, 1, 1), i + (n * 7)),
                 None, None, None) for i in range(1, n + 1)]
        parsed = read_roll(xlsx(rows), "r.xlsx")
        with CaptureQueriesContext(connection) as ctx:
            assert import_roll(actor=SYSTEM, compound_id=estate.compound.pk, rows=parsed).ok
        with CaptureQueriesContext(connection) as again:
            assert import_roll(actor=SYSTEM, compound_id=estate.compound.pk, rows=parsed).dwellings_changed == 0
        return len(ctx), len(again)

    small, large = counted(3, "甲苑"), counted(30, "乙苑")
    assert small == large and small[1] < small[0] <= 20, (small, large)


def test_the_command_checks_then_imports(estate, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "名册.xlsx"
    path.write_bytes(xlsx(GOOD_ROWS))
    out = io.StringIO()
    call_command("import_owners_roll", str(estate.compound.pk), str(path), "--check", stdout=out)
    assert "检查通过 checked" in out.getvalue() and "changed 3" in out.getvalue() and not Ownership.objects.exists()
    call_command("import_owners_roll", str(estate.compound.pk), str(path), stdout=out)
    assert Ownership.objects.count() == 3
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([("1栋", None, 101, -1, "张三", None, None, None, None)]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_owners_roll", str(estate.compound.pk), str(bad), stdout=out)
    assert "第 2 行 row 2 [登记面积]" in out.getvalue()
