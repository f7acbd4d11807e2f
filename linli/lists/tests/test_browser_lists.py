"""On a phone, in real Chromium: a grid worker raises a need; the community registers a
project, links the need, approves and starts it, sets the budget and records the residents'
money with a voucher photo; milestones are added and marked done with a photo; closing is
refused without before/after photos, then succeeds; the public board shows the finished
project, its money and photos, and the need as done."""


import pytest

from linli.conftest import png_upload as png, PHONE, screenshot
from linli.lists.models import Item, MoneyEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]





def submit(pg, action):
    pg.locator(f"#action-{action} summary").click()
    pg.locator(f"#{action}-submit").click()


def test_need_to_funded_project_to_public_board(city, people, phone, browser, live_server):
    worker = phone(people["worker"])
    worker.goto_path("/lists/new/")
    worker.locator("input[name=kind][value=need]").check()
    worker.fill("#id_title", "电动车集中充电棚")
    worker.select_option("#id_place", str(city.compound.pk))
    worker.locator("#item-submit").click()
    assert worker.locator("#item-title").inner_text() == "电动车集中充电棚"
    need = Item.objects.get(kind="need")

    boss = phone(people["secretary"])
    boss.goto_path("/lists/new/")
    boss.locator("input[name=kind][value=project]").check()
    boss.fill("#id_title", "充电棚建设")
    boss.select_option("#id_place", str(city.compound.pk))
    boss.select_option("#id_progress_mode", "milestones")
    boss.locator("#item-submit").click()
    project = Item.objects.get(kind="project")
    assert boss.url.endswith(f"/lists/{project.pk}/")

    worker.goto_path(f"/lists/{need.pk}/")
    worker.locator("#action-link summary").click()
    worker.select_option("#action-link select", str(project.pk))
    worker.locator("#link-submit").click()
    assert "充电棚建设" in worker.locator("#answered-by").inner_text()

    for to in ("accepted", "in_progress"):
        boss.locator("#action-status summary").click()
        boss.select_option("#id_to", to)
        boss.locator("#status-submit").click()
    assert boss.locator("#item-status").inner_text() == "推进中"

    boss.locator("#action-budget summary").click()
    boss.fill("#form-budget [name=name]", "雨棚")
    boss.fill("#form-budget [name=amount]", "3000")
    boss.locator("#budget-submit").click()
    assert "3,000.00" in boss.locator("#budget").inner_text()

    # Money: a bad amount and a date before the project first, both messages at once.
    boss.locator("#action-money summary").click()
    boss.fill("#form-money [name=amount]", "-50")
    boss.fill("#form-money [name=on_date]", "2000-01-01")
    boss.fill("#form-money [name=party]", "陈大妈")
    boss.select_option("#form-money [name=source]", "residents")
    boss.locator("#money-submit").click()
    errors = boss.locator("#form-money").inner_text()
    assert "金额应大于零" in errors and "日期不能早于项目开始日期" in errors
    screenshot(boss, "lists-money-errors")
    assert MoneyEntry.objects.count() == 0
    boss.fill("#form-money [name=amount]", "3200")
    boss.fill("#form-money [name=on_date]", project.starts_on.isoformat())
    boss.set_input_files("#form-money [name=voucher]", png((250, 250, 240)))
    boss.locator("#money-submit").click()
    assert "3,200.00" in boss.locator("#received").inner_text()

    for title in ("搭建雨棚", "安装充电桩"):
        boss.locator("#action-milestone summary").click()
        boss.fill("#form-milestone [name=title]", title)
        boss.fill("#form-milestone [name=planned_on]", project.starts_on.isoformat())
        boss.locator("#milestone-submit").click()
    for m in project.milestones.all():
        boss.locator(f"[data-milestone='{m.pk}'] details summary").click()
        boss.fill(f"#done-{m.pk} [name=done_on]", project.starts_on.isoformat())
        boss.set_input_files(f"#done-{m.pk} [name=photos]", png((40, 90, 160)))
        boss.locator(f"#done-{m.pk} button").click()
    assert boss.locator("#item-progress").inner_text().startswith("100%")

    boss.locator("#action-close summary").click()
    boss.locator(f"input[name=outcome_{need.pk}][value=solved]").check()
    boss.locator("#close-submit").click()
    assert "结项前请上传施工前照片" in boss.locator("#form-close").inner_text()
    for phase, color in (("before", (120, 80, 40)), ("after", (46, 110, 84))):
        boss.locator("#action-photo summary").click()
        boss.select_option("#form-photo [name=phase]", phase)
        boss.set_input_files("#form-photo [name=photos]", png(color))
        boss.locator("#photo-submit").click()
    boss.locator("#action-close summary").click()
    boss.locator(f"input[name=outcome_{need.pk}][value=solved]").check()
    boss.locator("#close-submit").click()
    assert boss.locator("#item-status").inner_text() == "已完成"
    screenshot(boss, "lists-project-closed")

    public = browser.new_context(**PHONE).new_page()
    public.goto(live_server.url + f"/lists/board/{city.compound.pk}/")
    board = public.locator("main").inner_text()
    assert "充电棚建设" in board and "电动车集中充电棚" in board
    assert "陈**" in board and "陈大妈" not in board
    row = public.locator(f"[data-item='{need.pk}']").inner_text()
    assert "已完成" in row
    imgs = public.locator(f"[data-project='{project.pk}'] img")
    assert imgs.count() == 2
    for i in range(2):
        imgs.nth(i).scroll_into_view_if_needed()
        assert imgs.nth(i).evaluate("el => el.complete && el.naturalWidth > 0 ? true : new Promise(d => "
                                    "el.addEventListener('load', () => d(el.naturalWidth > 0), {once: true}))")
    screenshot(public, "lists-public-board")
    public.context.close()
