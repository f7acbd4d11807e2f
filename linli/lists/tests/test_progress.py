"""Progress: from milestones (weighted, equal when no weight is set) or from status, never
typed; one roll-up along the place tree and from child projects to parents, cancelled items
left out."""

import datetime as dt

import pytest

from linli.core.errors import Invalid
from linli.lists import selectors, services
from linli.lists.models import Item

from .conftest import START, jpeg, make_project, running_project

pytestmark = pytest.mark.django_db
DAY = START + dt.timedelta(days=5)


def test_equal_weights_when_none_set(city, people):
    project = running_project(city, people, mode="milestones")
    ms = [services.add_milestone(actor=people["worker"], item_id=project.pk, title=t, planned_on=DAY)
          for t in ("拆除旧棚", "浇筑地面", "安装充电桩")]
    assert Item.objects.get(pk=project.pk).progress_bp == 0
    services.complete_milestone(actor=people["worker"], milestone_id=ms[0].pk, done_on=DAY, photos=[jpeg()])
    assert Item.objects.get(pk=project.pk).progress_bp == 3333
    assert ms[0].photos.count() == 1


def test_weighted_milestones_and_no_mixing(city, people):
    project = running_project(city, people, mode="milestones")
    a = services.add_milestone(actor=people["worker"], item_id=project.pk, title="设计", planned_on=DAY, weight=1)
    services.add_milestone(actor=people["worker"], item_id=project.pk, title="施工", planned_on=DAY, weight=3)
    with pytest.raises(Invalid) as exc:
        services.add_milestone(actor=people["worker"], item_id=project.pk, title="验收", planned_on=DAY)
    assert exc.value.code == "weights_mixed"
    services.complete_milestone(actor=people["worker"], milestone_id=a.pk, done_on=DAY)
    assert Item.objects.get(pk=project.pk).progress_bp == 2500


def test_milestone_dates_checked(city, people):
    project = running_project(city, people, mode="milestones")
    with pytest.raises(Invalid) as exc:
        services.add_milestone(actor=people["worker"], item_id=project.pk, title="设计",
                               planned_on=START - dt.timedelta(days=1))
    assert exc.value.code == "date_before_project" and exc.value.field == "planned_on"
    m = services.add_milestone(actor=people["worker"], item_id=project.pk, title="设计", planned_on=DAY)
    with pytest.raises(Invalid) as exc:
        services.complete_milestone(actor=people["worker"], milestone_id=m.pk, done_on=DAY, photos=[b"GIF89a"])
    assert exc.value.as_list()[0]["field"] == "photos"
    assert Item.objects.get(pk=project.pk).milestones.get().done_on is None  # nothing half-written


def test_status_mode_uses_fixed_percentages(city, people):
    project = make_project(city, people)
    assert project.progress_bp == 0
    services.change_status(actor=people["secretary"], item_id=project.pk, to="accepted")
    assert Item.objects.get(pk=project.pk).progress_bp == 1000
    services.change_status(actor=people["secretary"], item_id=project.pk, to="in_progress")
    assert Item.objects.get(pk=project.pk).progress_bp == 5000


def test_closing_in_milestone_mode_needs_every_milestone(city, people):
    project = running_project(city, people, mode="milestones")
    m = services.add_milestone(actor=people["worker"], item_id=project.pk, title="施工", planned_on=DAY)
    services.add_photos(actor=people["worker"], item_id=project.pk, phase="before", photos=[jpeg()])
    services.add_photos(actor=people["worker"], item_id=project.pk, phase="after", photos=[jpeg()])
    with pytest.raises(Invalid) as exc:
        services.close_project(actor=people["community"], item_id=project.pk)
    assert exc.value.code == "milestones_open"
    services.complete_milestone(actor=people["worker"], milestone_id=m.pk, done_on=DAY)
    services.close_project(actor=people["community"], item_id=project.pk)
    assert Item.objects.get(pk=project.pk).progress_bp == 10000


def test_rollup_along_the_place_tree_leaves_cancelled_out(city, people):
    a = running_project(city, people, title="A")  # compound in grid 1: 50 %
    make_project(city, people, title="B", place=city.other_compound)  # grid 2: 0 %
    c = make_project(city, people, title="C", place=city.community)  # at the community itself
    services.change_status(actor=people["secretary"], item_id=c.pk, to="cancelled", reason="并入A")
    services.record_money(actor=people["community"], item_id=a.pk, kind="receipt", amount_fen=1000,
                          on_date=DAY, party="x", source="public")
    total, groups = selectors.place_rollup(city.community)
    assert (total.items, total.cancelled, total.progress_bp, total.received_fen) == (2, 1, 2500, 1000)
    assert total.budget_fen == 1000000
    assert groups[city.grid.path].progress_bp == 5000
    assert (groups[city.other_grid.path].items, groups[city.other_grid.path].progress_bp) == (1, 0)  # B alone
    assert groups[city.community.path].items == 0 and groups[city.community.path].cancelled == 1
    assert groups[city.community.path].progress_bp is None  # nothing counted is not 0 %
    # The street sees the same numbers through the same function.
    street_total, _ = selectors.place_rollup(city.street)
    assert (street_total.items, street_total.cancelled, street_total.progress_bp) == (2, 1, 2500)


def test_child_projects_roll_up_into_the_parent(city, people):
    parent = make_project(city, people, title="社区微更新", place=city.community)
    one = running_project(city, people, title="垃圾房", parent_id=parent.pk)
    make_project(city, people, title="充电棚", place=city.other_compound, parent_id=parent.pk)
    r = selectors.project_rollup(parent)
    assert (r.items, r.progress_bp, r.budget_fen) == (2, 2500, 1000000)
    assert one.parent_id == parent.pk


def test_parent_must_be_above(city, people):
    parent = make_project(city, people, title="小区项目")
    with pytest.raises(Invalid) as exc:
        make_project(city, people, title="x", place=city.other_compound, parent_id=parent.pk)
    assert exc.value.field == "parent_id"


def test_rollup_matches_a_recount_in_python(city, people):
    for i in range(5):
        p = running_project(city, people, title=f"P{i}", mode="milestones")
        for j in range(i + 1):
            m = services.add_milestone(actor=people["worker"], item_id=p.pk, title=f"m{j}", planned_on=DAY)
            if j % 2 == 0:
                services.complete_milestone(actor=people["worker"], milestone_id=m.pk, done_on=DAY)
    total, _ = selectors.place_rollup(city.street)
    rows = [i for i in Item.objects.filter(kind="project") if i.status != "cancelled"]
    assert total.progress_sum == sum(services.compute_progress(i) for i in rows)
    assert total.items == len(rows)


def test_figures_per_place_and_period(city, people):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    on_time = services.create_item(actor=people["worker"], kind="need", title="a", place_id=city.compound.pk,
                                   starts_on=today - dt.timedelta(days=10), due_date=today)
    late = services.create_item(actor=people["worker"], kind="problem", title="b", place_id=city.compound.pk,
                                starts_on=today - dt.timedelta(days=10), due_date=today - dt.timedelta(days=1))
    overdue = services.create_item(actor=people["community"], kind="problem", title="c",
                                   place_id=city.other_compound.pk,
                                   starts_on=today - dt.timedelta(days=10), due_date=today - dt.timedelta(days=2))
    for item in (on_time, late):
        for to in ("accepted", "in_progress", "done"):
            services.change_status(actor=people["secretary"], item_id=item.pk, to=to)
    f = selectors.figures(people["secretary"], place=city.community, start=today - dt.timedelta(days=30), end=today)
    assert (f["registered"], f["done"], f["done_on_time"], f["overdue"]) == (3, 2, 1, 1)
    assert f["by_kind_status"] == {("need", "done"): 1, ("problem", "done"): 1, ("problem", "proposed"): 1}
    grid_only = selectors.figures(people["worker"], place=city.grid, start=today - dt.timedelta(days=30), end=today)
    assert grid_only["registered"] == 2 and overdue.pk
