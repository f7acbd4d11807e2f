"""Bulk import of people (linli.places.importing): a good file creates compounds, buildings,
units, dwellings, households and residents; every bad row is reported with its row, column
and a Chinese reason and nothing is written; re-importing changes nothing; an edited file
updates in place; .xlsx and .csv (UTF-8 and GBK) are read; scope; the command; and the
number of queries does not grow with the rows."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from linli.core import pii
from linli.core.actors import SYSTEM
from linli.core.errors import Forbidden, Invalid, NotFound
from linli.core.identity import make_id_number
from linli.core.models import AuditEntry
from linli.places.importing import COLUMNS, ROW_KEY, import_people, read_table, template_workbook
from linli.places.models import CareTag, Dwelling, Household, Place, Resident

pytestmark = pytest.mark.django_db

HEADERS = list(COLUMNS)
ID_A = make_id_number("511802", dt.date(1956, 3, 1), 11)  # male
ID_B = make_id_number("511802", dt.date(1958, 7, 9), 12)  # female
ID_C = make_id_number("511802", dt.date(1985, 1, 20), 13)  # male
ID_D = make_id_number("511802", dt.date(2010, 11, 2), 14)  # female


def row(**cells) -> dict:
    """One row keyed by the Chinese headers; unspecified cells blank (as read_table gives)."""
    out = dict.fromkeys(HEADERS, "")
    out.update(cells)
    return out


def good_rows() -> list[dict]:
    return [
        row(姓名="张建国", 身份证号=ID_A, 联系电话="13900000001", 小区="锦绣家园", 楼栋="3栋", 单元="2单元", 房号="301",
            面积="96.5", 居住性质="自有", 与户主关系="户主", 人员类别="党员、退役军人"),
        row(姓名="刘秀英", 身份证号=ID_B, 小区="锦绣家园", 楼栋="3栋", 单元="2单元", 房号="301", 与户主关系="配偶",
            人员类别="党员"),
        row(姓名="张小明", 性别="男", 出生日期="2012-05-01", 小区="锦绣家园", 楼栋="3栋", 单元="2单元", 房号="301",
            与户主关系="子女"),
        row(姓名="陈租客", 身份证号=ID_C, 联系电话="13900000002", 小区="锦绣家园", 楼栋="3栋", 单元="2单元", 房号="302",
            面积="60", 居住性质="租住", 与户主关系="户主", 是否在此居住="是"),
        # an existing compound, building and unit; a new dwelling; a bungalow with no building
        row(姓名="周芳", 身份证号=ID_D, 小区="汉都华府二期", 楼栋="1栋", 单元="1单元", 房号="102", 与户主关系="户主",
            人员类别="留守儿童"),
        row(姓名="马大姐", 性别="女", 小区="锦绣家园", 房号="平房5号", 与户主关系="户主", 是否在此居住="否"),
    ]


def snapshot():
    return {
        "places": sorted(Place.objects.values_list("id", "path", "name", "updated_at")),
        "dwellings": sorted(Dwelling.objects.values_list("place_id", "floor_area")),
        "households": sorted(Household.objects.values_list("id", "path", "tenure", "head_id", "updated_at")),
        "residents": sorted(Resident.objects.values_list("id", "path", "household_id", "name", "gender", "birth_date",
                                                         "id_number_enc", "phone_enc", "relation", "lives_here",
                                                         "updated_at")),
        "tags": sorted(Resident.care_tags.through.objects.values_list("resident_id", "caretag_id")),
    }


def xlsx_bytes(rows, headers=HEADERS, title=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h, "") for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding="utf-8", headers=HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for r in rows:
        writer.writerow([r.get(h, "") for h in headers])
    return out.getvalue().encode(encoding)


def run(city, rows, **kw):
    return import_people(actor=kw.pop("actor", SYSTEM), rows=rows, under_place_id=kw.pop("under", city.grid).pk, **kw)


# ---------------------------------------------------------------- a good file


def test_good_file_creates_places_households_and_residents(city):
    before_places = Place.objects.count()
    report = run(city, good_rows(), source="人口.xlsx")
    assert report.ok, report.errors
    assert (report.total_rows, report.created_residents, report.updated_residents, report.unchanged_residents) == (6, 6, 0, 0)
    # 锦绣家园, 3栋, 2单元, 301, 302, 平房5号 and 汉都华府二期/1栋/1单元/102
    assert report.created_places == 7
    assert report.created_households == 4
    assert Place.objects.count() == before_places + 7

    compound = Place.objects.get(name="锦绣家园")
    assert compound.parent_id == city.grid.pk and compound.kind.code == "compound"
    assert compound.path.startswith(city.grid.path) and compound.depth == len(compound.path) // 4
    d301 = Place.objects.get(name="301", parent__name="2单元", parent__parent__name="3栋")
    assert d301.kind.code == "dwelling" and d301.path.startswith(compound.path) and d301.depth == compound.depth + 3
    assert Dwelling.objects.get(place=d301).floor_area == Decimal("96.50")
    bungalow = Place.objects.get(name="平房5号")
    assert bungalow.parent_id == compound.pk and Dwelling.objects.filter(place=bungalow).exists()
    assert Place.objects.get(name="102").parent_id == city.unit.pk

    hh = Household.objects.get(dwelling=d301)
    assert hh.path == d301.path and hh.tenure == "owned"
    members = {r.name: r for r in Resident.objects.filter(household=hh)}
    assert set(members) == {"张建国", "刘秀英", "张小明"}
    assert hh.head_id == members["张建国"].pk
    zhang = members["张建国"]
    assert zhang.path == d301.path and zhang.relation == "head" and zhang.gender == "M"
    assert zhang.birth_date == dt.date(1956, 3, 1)
    assert zhang.id_number_hash == pii.lookup_hash(ID_A) and pii.decrypt(zhang.id_number_enc) == ID_A
    assert zhang.id_number_masked == pii.mask_id_number(ID_A) and zhang.phone_masked == "139****0001"
    assert ID_A not in zhang.id_number_enc
    assert {t.code for t in zhang.care_tags.all()} == {"party_member", "veteran"}
    assert members["刘秀英"].gender == "F" and members["刘秀英"].relation == "spouse"
    assert members["张小明"].birth_date == dt.date(2012, 5, 1) and members["张小明"].id_number_hash == ""
    assert Household.objects.get(dwelling__name="302").tenure == "rented"
    assert Resident.objects.get(name="马大姐").lives_here is False

    # one audit entry for the whole import, with the counts
    [entry] = AuditEntry.objects.filter(kind="people.import")
    assert entry.data["created_residents"] == 6 and entry.data["source"] == "人口.xlsx"
    assert entry.path == city.grid.path


def test_paths_are_allocated_after_existing_children(city):
    """New children of an existing parent get fresh paths (the parent's counter moves on)."""
    run(city, good_rows())
    unit = Place.objects.get(pk=city.unit.pk)
    children = list(Place.objects.filter(parent=unit).order_by("path"))
    assert [c.name for c in children] == ["101", "102"]
    assert unit.child_seq == 2
    # a later place added the ordinary way does not collide
    from linli.places.services import create_place

    later = create_place(actor=SYSTEM, parent_id=unit.pk, kind_code="dwelling", name="103")
    assert later.path not in {c.path for c in children}
    new_unit = Place.objects.get(name="2单元")
    assert new_unit.child_seq == 2  # 301 and 302 numbered by the import
    assert create_place(actor=SYSTEM, parent_id=new_unit.pk, kind_code="dwelling", name="303").path.endswith("0002")


def test_import_under_a_compound_may_leave_the_compound_blank(city):
    rows = [row(姓名="吴一", 身份证号=ID_A, 楼栋="1栋", 单元="1单元", 房号="201", 与户主关系="户主"),
            row(姓名="吴二", 身份证号=ID_B, 小区="汉都华府二期", 楼栋="1栋", 单元="1单元", 房号="201")]
    report = run(city, rows, under=city.compound)
    assert report.ok, report.errors
    assert report.created_places == 1
    assert Place.objects.get(name="201").parent_id == city.unit.pk


def test_import_under_a_community_finds_compounds_in_its_grids(city):
    rows = [row(姓名="吴一", 身份证号=ID_A, 小区="汉都华府二期", 楼栋="1栋", 单元="1单元", 房号="101")]
    report = run(city, rows, under=city.community)
    assert report.ok and report.created_places == 0 and report.created_households == 0
    assert Resident.objects.get(name="吴一").household_id == city.household.pk


def test_dry_run_counts_but_writes_nothing(city):
    before = snapshot()
    report = run(city, good_rows(), dry_run=True)
    assert report.ok and report.created_residents == 6 and report.created_places == 7
    assert snapshot() == before
    assert not AuditEntry.objects.filter(kind="people.import").exists()


def test_english_headers_are_accepted(city):
    rows = [{"name": "Li Lei", "id_number": ID_A, "phone": "13900000009", "compound": "锦绣家园", "room": "1",
             "relation": "head", "care_tags": "party_member"}]
    report = run(city, rows)
    assert report.ok, report.errors
    r = Resident.objects.get(name="Li Lei")
    assert r.relation == "head" and [t.code for t in r.care_tags.all()] == ["party_member"]


# ---------------------------------------------------------------- bad rows

BAD = [
    ({"姓名": ""}, "姓名", "请填写姓名"),
    ({"姓名": "长" * 51}, "姓名", "姓名不能超过50个字"),
    ({"身份证号": "51180219560301001"}, "身份证号", "身份证号应为18位"),
    ({"身份证号": ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1")}, "身份证号", "身份证号校验位不正确"),
    ({"身份证号": "51180219560301ABCD"}, "身份证号", "身份证号格式不正确"),
    ({"性别": "女"}, "性别", "性别与身份证号不一致"),
    ({"性别": "未知"}, "性别", "性别应为“男”或“女”"),
    ({"身份证号": "", "性别": ""}, "性别", "未填身份证号时须填写性别"),
    ({"出生日期": "1956-03-02"}, "出生日期", "出生日期与身份证号不一致"),
    ({"出生日期": "去年"}, "出生日期", "出生日期格式应为"),
    ({"联系电话": "12345"}, "联系电话", "手机号码格式不正确"),
    ({"小区": ""}, "小区", "导入到小区以上的地点时须填写小区"),
    ({"楼栋": ""}, "单元", "填写了单元时须同时填写楼栋"),
    ({"房号": ""}, "房号", "请填写房号"),
    ({"面积": "九十"}, "面积", "面积应为数字"),
    ({"面积": "-3"}, "面积", "面积应大于0"),
    ({"居住性质": "借住"}, "居住性质", "居住性质应为“自有”“租住”或“其他”"),
    ({"与户主关系": "朋友"}, "与户主关系", "与户主关系“朋友”无法识别"),
    ({"是否在此居住": "也许"}, "是否在此居住", "是否在此居住应填“是”或“否”"),
    ({"人员类别": "党员、火星人"}, "人员类别", "未知的人员类别：火星人"),
    # a name that exists at that level as another kind of place
    ({"小区": "汉都华府二期", "楼栋": "", "单元": "", "房号": "1栋"}, "房号", "“1栋”已是“楼栋”，不能再作为“户”"),
]


@pytest.mark.parametrize(("cells", "column", "message"), BAD, ids=[b[1] + ":" + b[2][:12] for b in BAD])
def test_each_kind_of_bad_row_is_reported_and_nothing_written(city, cells, column, message):
    rows = good_rows()
    rows[0].update(cells)
    before = snapshot()
    report = run(city, rows)
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(2, column)], report.errors
    assert message in report.errors[0].message
    assert report.created_residents == report.created_places == 0
    assert snapshot() == before
    assert not AuditEntry.objects.filter(kind="people.import").exists()


def test_every_bad_row_is_reported_together(city):
    rows = good_rows()
    rows[1]["联系电话"] = "110"
    rows[2]["性别"] = ""
    rows[2]["房号"] = ""
    rows[4]["人员类别"] = "神仙"
    rows.append(row(姓名="重复的人", 身份证号=ID_A, 小区="锦绣家园", 房号="9"))  # row 8
    before = snapshot()
    report = run(city, rows)
    got = [(e.row, e.column) for e in report.errors]
    assert got == [(3, "联系电话"), (4, "性别"), (4, "房号"), (6, "人员类别"), (8, "身份证号")]
    assert "身份证号与第2行重复" in report.errors[-1].message
    assert snapshot() == before


def test_cross_row_errors(city):
    rows = [
        row(姓名="户主甲", 身份证号=ID_A, 小区="锦绣家园", 房号="1", 与户主关系="户主", 面积="80", 居住性质="自有"),
        row(姓名="户主乙", 身份证号=ID_B, 小区="锦绣家园", 房号="1", 与户主关系="户主", 面积="81", 居住性质="租住"),
        row(姓名="无证", 性别="男", 小区="锦绣家园", 房号="1"),
        row(姓名="无证", 性别="男", 小区="锦绣家园", 房号="1"),
        row(姓名="无证", 性别="男", 小区="锦绣家园", 房号="2"),  # another dwelling: fine
    ]
    report = run(city, rows)
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert messages == {
        (3, "面积"): "同一房屋的面积与第2行不一致",
        (3, "居住性质"): "同一房屋的居住性质与第2行不一致",
        (3, "与户主关系"): "同一房屋只能有一名户主（第2行已是户主）",
        (5, "姓名"): "同一房屋中已有同名且未填身份证号的人员（第4行），请填写身份证号以区分",
    }
    assert not Place.objects.filter(name="锦绣家园").exists()


def test_an_id_number_registered_outside_the_chosen_place_is_an_error(city):
    outside = pii.decrypt(city.other_resident.id_number_enc)
    report = run(city, [row(姓名="王云川", 身份证号=outside, 小区="锦绣家园", 房号="1")])
    assert [(e.row, e.column) for e in report.errors] == [(2, "身份证号")]
    assert "不能导入到所选地点" in report.errors[0].message  # not "registered elsewhere" (issue 10 §8)
    assert Resident.objects.get(pk=city.other_resident.pk).path == city.other_dwelling.path


def test_a_compound_name_taken_by_another_kind_of_place(city):
    report = run(city, [row(姓名="甲", 身份证号=ID_A, 小区="第二网格", 房号="1")], under=city.community)
    assert [(e.row, e.column, e.message) for e in report.errors] == [(2, "小区", "“第二网格”已是“网格”，不能再作为“小区/院落”")]


def test_a_mismatched_compound_under_a_compound_is_an_error(city):
    report = run(city, [row(姓名="甲", 身份证号=ID_A, 小区="别的小区", 房号="1")], under=city.compound)
    assert [(e.row, e.column) for e in report.errors] == [(2, "小区")]
    assert "汉都华府二期" in report.errors[0].message


def test_the_chosen_place_must_be_a_compound_or_above(city):
    with pytest.raises(Invalid) as exc:
        run(city, good_rows(), under=city.building)
    assert exc.value.code == "import_place_level"


# ---------------------------------------------------------------- re-import and edits


def test_reimporting_the_same_file_changes_nothing(city):
    first = run(city, good_rows())
    assert first.ok and (first.created_residents, first.updated_residents, first.unchanged_residents) == (6, 0, 0)
    before = snapshot()
    again = run(city, good_rows())
    assert again.ok
    assert (again.created_residents, again.updated_residents, again.unchanged_residents) == (0, 0, 6)
    assert (again.created_places, again.created_households, again.updated_places, again.updated_households) == (0, 0, 0, 0)
    assert snapshot() == before


def test_an_edited_file_updates_in_place(city):
    run(city, good_rows())
    ids = dict(Resident.objects.values_list("name", "id"))
    rows = good_rows()
    rows[0].update(联系电话="13900000099", 人员类别="党员", 面积="97")        # phone, tags, area
    rows[1].update(姓名="刘秀芳", 人员类别="")                              # renamed (same ID), tags cleared
    rows[2].update(是否在此居住="否")                                       # no ID: matched by dwelling and name
    rows[3].update(房号="303", 与户主关系="户主")                            # moved to a new dwelling
    rows[5].update(与户主关系="其他")
    report = run(city, rows)
    assert report.ok, report.errors
    assert (report.created_residents, report.updated_residents, report.unchanged_residents) == (0, 5, 1)
    assert report.created_places == 1 and report.created_households == 1 and report.updated_places == 1
    assert dict(Resident.objects.filter(name__in=ids).values_list("name", "id")).items() <= ids.items()
    zhang = Resident.objects.get(pk=ids["张建国"])
    assert zhang.phone_hash == pii.lookup_hash("13900000099")
    assert [t.code for t in zhang.care_tags.all()] == ["party_member"]
    assert Dwelling.objects.get(place__name="301").floor_area == Decimal("97.00")
    liu = Resident.objects.get(pk=ids["刘秀英"])
    assert liu.name == "刘秀芳" and not liu.care_tags.exists()
    assert Resident.objects.get(pk=ids["张小明"]).lives_here is False
    chen = Resident.objects.get(pk=ids["陈租客"])
    d303 = Place.objects.get(name="303")
    assert chen.path == d303.path and chen.household.dwelling_id == d303.pk
    assert chen.household.head_id == chen.pk
    # the household he left no longer has him as head
    assert Household.objects.get(dwelling__name="302").head_id is None
    assert Resident.objects.count() == Resident.objects.filter(name__in=["李大爷", "王云川", "孟大爷"]).count() + 6
    # and importing the edited file again changes nothing
    again = run(city, rows)
    assert (again.updated_residents, again.unchanged_residents) == (0, 6)


def test_a_person_without_id_gets_one_on_a_later_import(city):
    run(city, good_rows())
    kid = Resident.objects.get(name="张小明")
    rows = good_rows()
    new_id = make_id_number("511802", dt.date(2012, 5, 1), 15)
    rows[2].update(身份证号=new_id)
    report = run(city, rows)
    assert report.ok and report.updated_residents == 1 and report.created_residents == 0
    assert Resident.objects.get(pk=kid.pk).id_number_hash == pii.lookup_hash(new_id)


def test_existing_residents_are_matched_too(city):
    """The city's 李大爷 (created by hand) is found by his ID number."""
    number = pii.decrypt(city.resident.id_number_enc)
    report = run(city, [row(姓名="李大爷", 身份证号=number, 小区="汉都华府二期", 楼栋="1栋", 单元="1单元", 房号="101",
                            与户主关系="户主", 人员类别="独居老人")])
    assert report.ok and (report.created_residents, report.unchanged_residents) == (0, 1)


# ---------------------------------------------------------------- reading files


def test_read_xlsx_with_a_title_row_and_numbers(city):
    wb = Workbook()
    ws = wb.active
    ws.append(["石马社区人口信息表"])
    ws.append(["序号", "姓名*", "身份证号", "联系电话", "小区", "楼栋", "房号", "面积（㎡）", "出生日期", "备注"])
    ws.append([1, "张三", ID_A, 13900000001, "锦绣家园", 3, 101, 89.5, dt.datetime(1956, 3, 1), "x"])
    ws.append([None] * 10)
    ws.append([2, "李四", ID_B, None, "锦绣家园", 3, 101.0, None, None, None])
    out = io.BytesIO()
    wb.save(out)
    rows = read_table(io.BytesIO(out.getvalue()), "人口.XLSX")
    assert [r[ROW_KEY] for r in rows] == ["3", "5"]
    first = rows[0]
    assert (first["姓名"], first["联系电话"], first["楼栋"], first["房号"], first["面积"], first["出生日期"]) == (
        "张三", "13900000001", "3", "101", "89.5", "1956-03-01")
    assert "备注" not in first and "序号" not in first
    assert rows[1]["房号"] == "101"
    report = run(city, rows)
    assert report.ok, report.errors


def test_row_numbers_in_errors_are_the_spreadsheet_rows(city):
    rows = good_rows()
    rows[2]["联系电话"] = "abc"
    data = xlsx_bytes(rows, title="人口信息")  # title row: the header is row 2, data from row 3
    table = read_table(io.BytesIO(data), "a.xlsx")
    report = run(city, table)
    assert [(e.row, e.column) for e in report.errors] == [(5, "联系电话")]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_read_csv_in_each_encoding(city, encoding):
    rows = read_table(io.BytesIO(csv_bytes(good_rows(), encoding)), "people.csv")
    assert len(rows) == 6 and rows[0]["姓名"] == "张建国" and rows[0]["人员类别"] == "党员、退役军人"
    assert rows[0][ROW_KEY] == "2"
    report = run(city, rows)
    assert report.ok and report.created_residents == 6


def test_xlsx_and_csv_import_the_same(city):
    rows = read_table(io.BytesIO(xlsx_bytes(good_rows())), "people.xlsx")
    assert run(city, rows).created_residents == 6
    again = read_table(io.BytesIO(csv_bytes(good_rows(), "gbk")), "people.csv")
    assert run(city, again).unchanged_residents == 6


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "a.xlsx", "文件是空的"),
    (b"not a zip file at all", "a.xlsx", "无法读取该 Excel 文件"),
    (b"\xd0\xcf\x11\xe0", "a.xls", "另存为 .xlsx"),
    (b"%PDF-1.4", "a.pdf", "只支持 .xlsx 或 .csv 文件"),
    ("序号,备注\n1,x\n".encode(), "a.csv", "找不到表头"),
    ("姓名,身份证号\n张三,1\n".encode(), "a.csv", "缺少必填列：房号"),
    ("姓名,房号,姓名\n张三,1,李四\n".encode(), "a.csv", "列“姓名”重复出现"),
    ("姓名,房号\n".encode(), "a.csv", "文件中没有数据行"),
])
def test_unreadable_files_raise_invalid(data, name, message):
    with pytest.raises(Invalid) as exc:
        read_table(io.BytesIO(data), name)
    assert message in str(exc.value.message)


def test_template_workbook_has_headers_and_an_example_that_imports(city):
    wb = load_workbook(io.BytesIO(template_workbook()))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == HEADERS
    assert len(wb.sheetnames) == 2
    rows = read_table(io.BytesIO(template_workbook()), "模板.xlsx")
    assert len(rows) == 1
    # The example's 户主 lives at the test city's 汉都华府二期 1栋 1单元 101, whose household has a
    # head already (a second head is a row error): empty that dwelling's household first.
    Household.objects.filter(pk=city.household.pk).update(head=None)
    Resident.objects.filter(pk=city.resident.pk).update(relation="other")
    report = run(city, rows, dry_run=True)
    assert report.ok, report.errors


# ---------------------------------------------------------------- scope


def test_a_grid_head_imports_into_their_grid_only(city):
    head = city.user_with("grid_head", at=city.grid)
    assert run(city, good_rows(), actor=head).ok
    with pytest.raises((NotFound, Forbidden)):
        run(city, good_rows(), actor=head, under=city.other_grid)
    with pytest.raises((NotFound, Forbidden)):
        run(city, good_rows(), actor=head, under=city.community)


def test_a_grid_worker_may_not_import(city):
    worker = city.user_with("grid_worker", at=city.grid)
    with pytest.raises((NotFound, Forbidden)):
        run(city, good_rows(), actor=worker)
    assert not Place.objects.filter(name="锦绣家园").exists()


def test_an_unknown_place_is_not_found(city):
    with pytest.raises(NotFound):
        import_people(actor=SYSTEM, rows=good_rows(), under_place_id=999999)


# ---------------------------------------------------------------- queries do not grow with rows


def many_rows(n: int, compound: str) -> list[dict]:
    out = []
    for i in range(n):
        d = i // 3
        out.append(row(姓名=f"居民{i}", 身份证号=make_id_number("511802", dt.date(1970, 1, 1) + dt.timedelta(days=i), i),
                       联系电话=f"139{i:08d}", 小区=compound, 楼栋=f"{d // 20 % 2 + 1}栋", 单元="1单元", 房号=f"{d + 1}",
                       面积="80", 与户主关系="户主" if i % 3 == 0 else "子女", 人员类别="党员" if i % 5 == 0 else ""))
    return out


def _queries(city, rows) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert run(city, rows).ok
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_rows(city):
    small = _queries(city, many_rows(30, "小批量小区"))
    large = _queries(city, many_rows(300, "大批量小区"))
    # SQLite binds at most 999 parameters, so bulk statements split into a few more batches
    assert large <= small + 10, (small, large)
    # updating in place costs a constant number of queries too
    rows = many_rows(300, "大批量小区")
    for r in rows:
        r["联系电话"] = "13700000000"
    assert _queries(city, rows) <= small + 12
    assert _queries(city, rows) <= small


# ---------------------------------------------------------------- the command


def test_command_imports_a_file_under_a_path_of_names(city, tmp_path):
    f = tmp_path / "people.xlsx"
    f.write_bytes(xlsx_bytes(good_rows()))
    out = io.StringIO()
    call_command("import_people", str(f), "--under", "东城街道/石马社区/第一网格", stdout=out)
    text = out.getvalue()
    assert "新增居民 6" in text
    assert Resident.objects.filter(name="张建国", path__startswith=city.grid.path).exists()
    out = io.StringIO()
    call_command("import_people", str(f), "--under", str(city.grid.pk), stdout=out)
    assert "未变居民 6" in out.getvalue()


def test_command_dry_run_and_errors(city, tmp_path):
    rows = good_rows()
    rows[1]["联系电话"] = "123"
    f = tmp_path / "people.csv"
    f.write_bytes(csv_bytes(rows, "gbk"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_people", str(f), "--under", str(city.grid.pk), stdout=io.StringIO(), stderr=err)
    assert "第3行 [联系电话] 手机号码格式不正确" in err.getvalue()
    assert not Place.objects.filter(name="锦绣家园").exists()
    f.write_bytes(csv_bytes(good_rows(), "gbk"))
    out = io.StringIO()
    call_command("import_people", str(f), "--under", str(city.grid.pk), "--dry-run", stdout=out)
    assert "试导入" in out.getvalue() and "新增居民 6" in out.getvalue()
    assert not Place.objects.filter(name="锦绣家园").exists()


@pytest.mark.parametrize("under", ["不存在的地点", "东城街道/不存在", "999999"])
def test_command_rejects_an_unknown_place(city, tmp_path, under):
    f = tmp_path / "people.csv"
    f.write_bytes(csv_bytes(good_rows()))
    with pytest.raises(CommandError):
        call_command("import_people", str(f), "--under", under, stdout=io.StringIO(), stderr=io.StringIO())


def test_command_rejects_an_unreadable_file(city, tmp_path):
    f = tmp_path / "people.xlsx"
    f.write_bytes(b"junk")
    with pytest.raises(CommandError, match="无法读取"):
        call_command("import_people", str(f), "--under", str(city.grid.pk), stdout=io.StringIO())
