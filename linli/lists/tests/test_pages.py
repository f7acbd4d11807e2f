import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from linli.lists import services
from linli.lists.models import Item, MoneyEntry

from .conftest import START, jpeg, running_project

pytestmark = pytest.mark.django_db


def test_staff_list_filters_and_constant_queries(client, city, people, django_assert_max_num_queries):
    for i in range(3):
        services.create_item(actor=people["worker"], kind="need", title=f"需求{i}", place_id=city.compound.pk)
    running_project(city, people)
    client.force_login(people["community"])
    r = client.get("/lists/?kind=project")
    assert r.status_code == 200 and "充电棚建设" in r.content.decode() and "需求0" not in r.content.decode()
    with django_assert_max_num_queries(12) as few:
        client.get("/lists/")
    for i in range(30):
        services.create_item(actor=people["worker"], kind="need", title=f"更多{i}", place_id=city.compound.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/lists/")


def test_new_item_page_shows_field_errors(client, city, people):
    client.force_login(people["worker"])
    r = client.post("/lists/new/", {"kind": "need", "title": "", "place": city.compound.pk,
                                    "source_kind": "other", "progress_mode": "status", "due_date": "not a date"})
    html = r.content.decode()
    assert r.status_code == 400 and "请填写此项" in html and "日期格式应为" in html
    r = client.post("/lists/new/", {"kind": "need", "title": "老年助餐", "place": city.compound.pk,
                                    "source_kind": "other", "progress_mode": "status", "due_date": "2026-12-31"})
    item = Item.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/lists/{item.pk}/"


def test_money_form_shows_every_error_at_once_and_writes_nothing(client, city, people):
    project = running_project(city, people)
    client.force_login(people["community"])
    r = client.post(f"/lists/{project.pk}/money/", {"kind": "receipt", "amount": "-12", "on_date": "2020-01-01",
                                                    "party": "陈大妈", "source": "residents",
                                                    "voucher": SimpleUploadedFile("v.jpg", b"not an image")})
    html = r.content.decode()
    assert r.status_code == 400
    assert "金额应大于零" in html and "日期不能早于项目开始日期" in html and "文件不是有效的图片" in html
    assert MoneyEntry.objects.count() == 0
    r = client.post(f"/lists/{project.pk}/money/", {"kind": "receipt", "amount": "abc", "on_date": "2026-09-02",
                                                    "party": "x", "source": "residents"},
                    HTTP_ACCEPT_LANGUAGE="en")
    assert "The amount must be a number, such as 1280.50" in r.content.decode()
    r = client.post(f"/lists/{project.pk}/money/", {"kind": "receipt", "amount": "120.50", "on_date": "2026-09-02",
                                                    "party": "陈大妈", "source": "residents",
                                                    "voucher": SimpleUploadedFile("v.jpg", jpeg())})
    assert r.status_code == 302
    entry = MoneyEntry.objects.get()
    assert entry.amount_fen == 12050 and entry.voucher


def test_disallowed_transition_message_on_the_page(client, city, people):
    need = services.create_item(actor=people["worker"], kind="need", title="x", place_id=city.compound.pk)
    client.force_login(people["worker"])
    r = client.post(f"/lists/{need.pk}/status/", {"to": "done"})
    assert r.status_code == 400 and "不能改为" in r.content.decode()


def test_milestone_with_photos_and_close_from_pages(client, city, people):
    project = running_project(city, people, mode="milestones")
    client.force_login(people["community"])
    assert client.post(f"/lists/{project.pk}/milestone/", {"title": "施工", "planned_on": "2026-09-10"}).status_code \
        == 302
    m = project.milestones.get()
    r = client.post(f"/lists/{project.pk}/done/", {"milestone": m.pk, "done_on": "2026-09-12",
                                                   "photos": [SimpleUploadedFile("a.jpg", jpeg())]})
    assert r.status_code == 302 and m.photos.count() == 1
    r = client.post(f"/lists/{project.pk}/close/", {"reason": "验收"})
    assert r.status_code == 400 and "结项前请上传施工前照片" in r.content.decode()
    for phase in ("before", "after"):
        client.post(f"/lists/{project.pk}/photo/", {"phase": phase, "photos": [SimpleUploadedFile("a.jpg", jpeg())]})
    assert client.post(f"/lists/{project.pk}/close/", {"reason": "验收"}).status_code == 302
    assert Item.objects.get(pk=project.pk).status == "done"


def test_public_board_without_login(client, city, people):
    project = running_project(city, people)
    services.record_money(actor=people["community"], item_id=project.pk, kind="receipt", amount_fen=5000,
                          on_date=START, party="陈大妈", source="residents")
    cancelled = services.create_item(actor=people["secretary"], kind="project", title="停车棚",
                                     place_id=city.compound.pk, starts_on=START)
    services.change_status(actor=people["secretary"], item_id=cancelled.pk, to="cancelled", reason="并项")
    for place in (city.compound, city.community):
        r = client.get(f"/lists/board/{place.pk}/")
        html = r.content.decode()
        assert r.status_code == 200 and "充电棚建设" in html and "陈**" in html and "陈大妈" not in html
        assert "1 个项目已取消，不计入进度和金额" in html
    assert client.get(f"/lists/board/{city.building.pk}/").status_code == 404


def test_ledger_xlsx_has_chinese_headers(client, city, people):
    running_project(city, people)
    client.force_login(people["secretary"])
    r = client.get(f"/lists/ledger/{city.community.pk}.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[2]][:4] == ["编号", "清单", "名称", "地点"]
    assert ws[3][2].value == "充电棚建设" and float(ws[3][12].value) == 10000.0
    client.force_login(people["other_worker"])
    assert client.get(f"/lists/ledger/{city.community.pk}.xlsx").status_code == 404


def test_figures_page(client, city, people):
    project = running_project(city, people)
    services.record_money(actor=people["community"], item_id=project.pk, kind="receipt", amount_fen=5000,
                          on_date=START, party="陈大妈", source="residents")
    services.record_money(actor=people["community"], item_id=project.pk, kind="receipt", amount_fen=7000,
                          on_date=START, party="刘师傅", source="residents")
    client.force_login(people["secretary"])
    r = client.get(f"/lists/figures/{city.community.pk}/?start=2026-01-01&end=2026-12-31")
    html = r.content.decode()
    assert r.status_code == 200 and "120.00" in html
    assert '<dd id="fig-residents">2</dd>' in html


def test_receipt_for_the_contributor(client, city, people):
    project = running_project(city, people)
    entry = services.record_money(actor=people["community"], item_id=project.pk, kind="receipt", amount_fen=5000,
                                  on_date=START, party="居民老陈", source="residents",
                                  contributor_id=people["resident"].pk)
    client.force_login(people["resident"])
    r = client.get(f"/lists/receipts/{entry.pk}/")
    assert r.status_code == 200 and entry.receipt_no in r.content.decode() and "50.00" in r.content.decode()
    client.force_login(people["other_worker"])
    assert client.get(f"/lists/receipts/{entry.pk}/").status_code == 404


def test_public_board_queries_do_not_grow_with_items(client, city, people, django_assert_max_num_queries):
    def add(n):
        for i in range(n):
            p = services.create_item(actor=people["secretary"], kind="project", title=f"项目{Item.objects.count()}",
                                     place_id=city.compound.pk, starts_on=START)
            services.set_budget_line(actor=people["community"], item_id=p.pk, name="材料", amount_fen=100)
            services.record_money(actor=people["community"], item_id=p.pk, kind="receipt", amount_fen=100,
                                  on_date=START, party="陈大妈", source="residents")

    add(3)
    with django_assert_max_num_queries(20) as few:
        assert client.get(f"/lists/board/{city.community.pk}/").status_code == 200
    add(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get(f"/lists/board/{city.community.pk}/")
    assert r.content.decode().count("data-project=") == 15


def test_public_board_in_english(client, city, people):
    running_project(city, people)
    r = client.get(f"/lists/board/{city.compound.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    assert "public notice of the three lists" in html and "Print the notice" in html
