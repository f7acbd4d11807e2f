"""The owners' roll import page through the Django test client, the people import page's shape:
log-in required, only staff who may import see the form (and only their compounds), the
template download, a check-only upload, a good upload and its idempotent re-upload ("0
changed"), a file with bad rows (every one in the table, nothing written, no ID number echoed),
a compound outside the user's scope refused, the page in English, and the vote set-up link."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from linli.core.actors import SYSTEM
from linli.core.models import AuditEntry
from linli.deliberation import roll_import, services
from linli.deliberation.models import DwellingTitle
from linli.places.models import Ownership, Resident
from linli.testing import app_english

from .estate import Estate
from .test_roll_import import GOOD_ROWS, ID1, xlsx

pytestmark = pytest.mark.django_db
PAGE = "/deliberation/roll/import/"


def upload(name: str, data: bytes):
    f = io.BytesIO(data)
    f.name = name
    return f


@pytest.fixture
def estate(city):
    return Estate(city, {"1栋": [("101", "80"), ("102", "90"), ("103", None)]})


@pytest.fixture
def head(city):
    return city.user_with("grid_head", at=city.grid, name="刘网格长")


@pytest.fixture
def english():
    """deliberation's declared English (with the column names' context) in the running catalogue."""
    from linli.deliberation.translations_en import TRANSLATIONS

    flat = {(f"{k[0]}\x04{k[1]}" if isinstance(k, tuple) else k): v for k, v in TRANSLATIONS.items()}
    with app_english(flat):
        yield


def text(response) -> str:
    return response.content.decode()


def post(client, compound, rows, *, name="业主名册.xlsx", **extra):
    return client.post(PAGE, {"compound": compound.pk, "file": upload(name, xlsx(rows)), **extra})


def test_the_page_and_template_need_log_in(client):
    assert reverse("deliberation:roll_import") == PAGE
    for url in (PAGE, reverse("deliberation:roll_template")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_picker_lists_the_compounds_where_the_user_may_import(client, city, estate, head):
    client.force_login(head)
    html = text(client.get(PAGE))
    assert "导入业主名册" in html and 'type="file"' in html and "只检查，不导入" in html
    assert f'value="{estate.compound.pk}"' in html and f'value="{city.compound.pk}"' in html
    assert f'value="{city.other_compound.pk}"' not in html  # another grid's compound
    assert f'value="{city.grid.pk}"' not in html and f'value="{city.building.pk}"' not in html  # not compounds
    # ?compound= preselects (the link from a vote's set-up page)
    html = text(client.get(PAGE, {"compound": estate.compound.pk}))
    assert f'value="{estate.compound.pk}" selected' in html


@pytest.mark.parametrize("role, at", [("grid_worker", "grid"), ("owners_committee", "compound"),
                                      ("resident", "dwelling"), ("property_manager", "compound")])
def test_those_who_may_not_import_see_only_the_refusal(client, city, role, at):
    client.force_login(city.user_with(role, at=getattr(city, at)))
    response = client.get(PAGE)
    assert response.status_code == 403
    html = text(response)
    assert "您没有导入业主名册的权限" in html and 'type="file"' not in html and 'name="compound"' not in html
    response = client.post(PAGE, {"compound": city.compound.pk, "file": upload("r.xlsx", xlsx(GOOD_ROWS))})
    assert response.status_code == 403 and not Ownership.objects.exists()


def test_a_compound_outside_the_users_scope_is_refused_by_the_service(client, city, estate, head):
    other_head = city.user_with("grid_head", at=city.other_grid, name="隔壁网格长")
    client.force_login(other_head)  # may import, but in the other grid only
    response = post(client, estate.compound, GOOD_ROWS)
    assert response.status_code in (403, 404)
    assert "未找到该记录，或不在您的管辖范围内" in text(response)
    assert not Ownership.objects.exists() and not DwellingTitle.objects.exists()


def test_the_template_has_the_rolls_headers(client, head):
    client.force_login(head)
    response = client.get(reverse("deliberation:roll_template"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == list(roll_import.COLUMNS)
    assert sheet.max_row == 2
    assert [r[2] for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)][:3] == ["building", "unit", "room"]


def test_check_only_then_import_then_the_same_file_again(client, estate, head):
    client.force_login(head)
    response = post(client, estate.compound, GOOD_ROWS, dry_run="1")
    html = text(response)
    assert response.status_code == 200 and "检查通过，尚未写入" in html
    assert "将有 3 套房屋发生变化" in html and 'id="n-owners">3<' in html
    assert not Ownership.objects.exists() and not DwellingTitle.objects.exists()
    assert not AuditEntry.objects.filter(kind="deliberation.import_roll").exists()

    response = post(client, estate.compound, GOOD_ROWS)
    html = text(response)
    assert response.status_code == 200 and "导入成功" in html
    assert "3 套房屋有变化" in html and 'id="n-added">3<' in html and 'id="n-titles-created">3<' in html
    assert Ownership.objects.count() == 3 and DwellingTitle.objects.count() == 3
    entry = AuditEntry.objects.get(kind="deliberation.import_roll")
    assert entry.actor_id == head.pk and entry.data["source"] == "业主名册.xlsx"

    response = post(client, estate.compound, GOOD_ROWS)
    html = text(response)
    assert "0 套房屋有变化" in html and 'id="n-changed">0<' in html and 'id="n-unchanged">3<' in html
    assert 'id="n-owners">0<' in html and 'id="n-removed">0<' in html


def test_bad_rows_are_each_listed_and_nothing_is_written(client, estate, head):
    bad_id = ID1[:-1] + ("0" if ID1[-1] != "0" else "1")
    rows = [("1栋", None, 101, 0, "张三", None, None, None, None),
            ("1栋", None, 102, 90, "李四", bad_id, None, None, None),
            ("2栋", None, 101, 50, "钱七", None, None, None, None),
            ("1栋", None, 103, 120, "王五", None, "13800009999", None, None)]
    client.force_login(head)
    residents = Resident.objects.count()
    response = post(client, estate.compound, rows)
    assert response.status_code == 400
    html = text(response)
    assert "文件有错误，未导入任何数据" in html and "共 4 行，其中 3 行有问题，共 3 处错误" in html
    table = html[html.index('class="import-errors"'):html.index("</table>")]
    assert table.count("<tr>") == 4  # the header and one per error
    for row, column, message in ((2, "登记面积", "面积须是大于0的数字"), (3, "身份证号", "身份证号校验位不正确"),
                                 (4, "楼栋", "本小区没有楼栋“2栋”")):
        assert (f'<td class="col-row">第{row}行</td><td class="col-column">{column}</td>'
                f'<td class="col-message">{message}</td>') in table
    assert bad_id not in html  # the ID number is never echoed back
    assert Resident.objects.count() == residents and not Ownership.objects.exists()
    assert not AuditEntry.objects.filter(kind="deliberation.import_roll").exists()


@pytest.mark.parametrize(("data", "message", "field"), [
    (None, "请选择要导入的文件", "file"),
    (upload("a.xlsx", b"this is not a spreadsheet"), "无法读取该 Excel 文件", "file"),
    (upload("a.pdf", b"%PDF-1.4"), "只支持 .xlsx 或 .csv 文件", "file"),
    (upload("a.csv", "备注\nx\n".encode("gbk")), "找不到表头", "file"),
])
def test_a_bad_or_missing_file_is_a_field_error(client, estate, head, data, message, field):
    client.force_login(head)
    payload = {"compound": estate.compound.pk, **({"file": data} if data is not None else {})}
    response = client.post(PAGE, payload)
    assert response.status_code == 400
    html = text(response)
    assert f'id="{field}-errors"' in html and message in html


def test_a_csv_roll_and_a_missing_compound(client, estate, head):
    client.force_login(head)
    csv = "楼栋,房号,登记面积,业主姓名\n1栋,101,80,张三\n".encode("gbk")
    response = client.post(PAGE, {"file": upload("roll.csv", csv)})
    assert response.status_code == 400 and 'id="compound-errors"' in text(response) and "请选择小区" in text(response)
    response = client.post(PAGE, {"compound": estate.compound.pk, "file": upload("roll.csv", csv)})
    assert response.status_code == 200 and "1 套房屋有变化" in text(response)


def test_the_page_in_english(client, estate, head, english):
    client.force_login(head)
    html = text(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en"))
    assert "<h1>Import the owners' roll</h1>" in html and "Download the owners' roll template" in html
    assert "Registered area" in html and "Please choose a compound" in html
    rows = [("1栋", None, 101, -1, "张三", None, None, None, None), ("9栋", None, 101, 5, "李四", None, None, None, None)]
    response = client.post(PAGE, {"compound": estate.compound.pk, "file": upload("r.xlsx", xlsx(rows))},
                           HTTP_ACCEPT_LANGUAGE="en")
    html = text(response)
    assert response.status_code == 400 and "The file has errors; nothing was imported" in html
    assert ('<td class="col-row">Row 2</td><td class="col-column">Registered area</td>'
            '<td class="col-message">The area must be a number greater than 0</td>') in html
    assert '<td class="col-column">Building</td><td class="col-message">This compound has no building “9栋”</td>' in html
    response = client.post(PAGE, {"compound": estate.compound.pk, "file": upload("r.xlsx", xlsx(GOOD_ROWS))},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "Imported" in text(response) and "3 dwellings changed" in text(response)


def test_an_owners_vote_in_draft_links_to_the_roll_import(client, estate, head, city):
    vote = services.create_vote(actor=SYSTEM, place_id=estate.compound.pk, kind="owners", title="加装电梯",
                                matters=[{"title": "加装电梯", "kind": "ordinary"}])
    client.force_login(head)
    html = text(client.get(reverse("deliberation:manage", args=[vote.pk])))
    assert f'href="{PAGE}?compound={estate.compound.pk}"' in html and "导入或更新业主名册" in html
    # an owners' committee member convenes the vote but may not import (no ID numbers for them)
    member = city.user_with("owners_committee", at=estate.compound, name="业委会委员")
    client.force_login(member)
    html = text(client.get(reverse("deliberation:manage", args=[vote.pk])))
    assert 'id="roll-import-link"' not in html
