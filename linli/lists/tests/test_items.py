"""Items: the three kinds at the list levels, sources linked both ways, the transition table
with who may make each move, history with actor and reason, linking and closing projects."""

import datetime as dt

import pytest

from linli.cases import services as case_services
from linli.core.errors import Conflict, Forbidden, Invalid, NotFound
from linli.lists import services
from linli.lists.models import Item, ItemEvent, ItemLink, Status
from linli.notify.models import Notification

from .conftest import START, jpeg, make_project, running_project

pytestmark = pytest.mark.django_db


def test_need_from_a_case_links_both_ways(city, people):
    case = case_services.submit_case(actor=people["resident"], text="小区想建电动车充电棚", channel="resident",
                                     place_id=city.dwelling.pk, category_code="parking")
    need = services.create_item(actor=people["worker"], kind="need", title="电动车充电棚", place_id=city.compound.pk,
                                source_kind="case", source_id=case.pk, owner_person_id=people["worker"].pk)
    assert need.case_id == case.pk and need.source_id == case.pk
    assert list(case.list_items.all()) == [need]  # from the case to its items
    [created] = ItemEvent.objects.filter(item=need)
    assert created.kind == "created" and created.actor == people["worker"] and created.path == city.compound.path


def test_bad_item_input_gets_every_field_error_and_writes_nothing(city, people):
    with pytest.raises(Invalid) as exc:
        services.create_item(actor=people["worker"], kind="wish", title=" ", place_id=city.compound.pk,
                             starts_on=START, due_date=START - dt.timedelta(days=1), source_kind="case",
                             source_id=999999)
    fields = {e["field"] for e in exc.value.as_list()}
    assert fields == {"kind", "title", "due_date", "source_id"}
    assert Item.objects.count() == 0 and ItemEvent.objects.count() == 0


def test_items_only_at_list_levels_and_in_scope(city, people):
    with pytest.raises(Invalid) as exc:
        services.create_item(actor=people["worker"], kind="need", title="x", place_id=city.building.pk)
    assert exc.value.as_list()[0]["code"] == "place_level"
    with pytest.raises(NotFound):
        services.create_item(actor=people["other_worker"], kind="need", title="x", place_id=city.compound.pk)


def test_transition_table_and_who_may_move(city, people):
    need = services.create_item(actor=people["worker"], kind="problem", title="消防通道堵塞", place_id=city.compound.pk)
    with pytest.raises(Invalid) as exc:
        services.change_status(actor=people["worker"], item_id=need.pk, to="done")
    assert exc.value.code == "transition_not_allowed" and exc.value.field == "to"
    # Cancelling is the community's decision, not the grid worker's.
    with pytest.raises(Forbidden):
        services.change_status(actor=people["worker"], item_id=need.pk, to="cancelled", reason="重复")
    with pytest.raises(Invalid) as exc:
        services.change_status(actor=people["secretary"], item_id=need.pk, to="cancelled")
    assert exc.value.code == "reason_required"
    services.change_status(actor=people["worker"], item_id=need.pk, to="accepted", reason="已核实")
    services.change_status(actor=people["worker"], item_id=need.pk, to="in_progress")
    services.change_status(actor=people["worker"], item_id=need.pk, to="done")
    need.refresh_from_db()
    assert need.status == "done" and need.done_on is not None and need.progress_bp == 10000
    history = list(ItemEvent.objects.filter(item=need, kind="status").values_list("data", "note", "actor"))
    assert history == [({"from": "proposed", "to": "accepted"}, "已核实", people["worker"].pk),
                       ({"from": "accepted", "to": "in_progress"}, "", people["worker"].pk),
                       ({"from": "in_progress", "to": "done"}, "", people["worker"].pk)]


def test_project_accepted_by_the_community_only(city, people):
    project = make_project(city, people)
    with pytest.raises(Forbidden):
        services.change_status(actor=people["worker"], item_id=project.pk, to="accepted")
    services.change_status(actor=people["secretary"], item_id=project.pk, to="accepted")
    services.change_status(actor=people["worker"], item_id=project.pk, to="in_progress")
    with pytest.raises(Conflict) as exc:
        services.change_status(actor=people["worker"], item_id=project.pk, to="done")
    assert exc.value.code == "use_close_project"


def test_followers_get_a_notice_when_the_item_moves(city, people):
    need = services.create_item(actor=people["worker"], kind="need", title="老年助餐", place_id=city.compound.pk)
    services.follow(actor=people["resident"], item_id=need.pk)
    services.follow(actor=people["resident"], item_id=need.pk)  # twice is once
    services.change_status(actor=people["worker"], item_id=need.pk, to="accepted")
    [note] = Notification.objects.filter(recipient=people["resident"])
    assert "老年助餐" in note.text and "已受理" in note.text and note.url == f"/lists/{need.pk}/"


def test_closing_asks_what_became_of_each_linked_item(city, people):
    need = services.create_item(actor=people["worker"], kind="need", title="充电需求", place_id=city.compound.pk)
    problem = services.create_item(actor=people["worker"], kind="problem", title="飞线充电", place_id=city.compound.pk)
    project = running_project(city, people)
    services.link_to_project(actor=people["worker"], item_id=need.pk, project_id=project.pk)
    services.link_to_project(actor=people["worker"], item_id=problem.pk, project_id=project.pk)
    with pytest.raises(Conflict):
        services.link_to_project(actor=people["worker"], item_id=need.pk, project_id=project.pk)
    with pytest.raises(Invalid) as exc:
        services.close_project(actor=people["community"], item_id=project.pk, outcomes={need.pk: ("solved", "")})
    codes = {e["field"]: e["code"] for e in exc.value.as_list()}
    assert codes == {"photos_before": "before_photo_required", "photos_after": "after_photo_required",
                     f"outcome_{problem.pk}": "outcome_required"}
    assert Item.objects.get(pk=project.pk).status == "in_progress"
    services.add_photos(actor=people["worker"], item_id=project.pk, phase="before", photos=[jpeg()])
    services.add_photos(actor=people["worker"], item_id=project.pk, phase="after", photos=[jpeg((0, 200, 0))])
    services.close_project(actor=people["community"], item_id=project.pk, reason="验收合格",
                           outcomes={need.pk: ("solved", "建成20个充电位"), problem.pk: ("partly", "仍有个别飞线")})
    assert Item.objects.get(pk=project.pk).status == "done"
    assert Item.objects.get(pk=need.pk).status == "done"
    assert Item.objects.get(pk=problem.pk).status == "proposed"
    assert dict(ItemLink.objects.values_list("item_id", "outcome")) == {need.pk: "solved", problem.pk: "partly"}
    assert ItemEvent.objects.filter(item=need, kind="outcome").count() == 1
    assert ItemEvent.objects.get(item=need, kind="status").data == {"from": "proposed", "to": "done"}


def test_photos_must_be_images(city, people):
    project = running_project(city, people)
    with pytest.raises(Invalid) as exc:
        services.add_photos(actor=people["worker"], item_id=project.pk, phase="before", photos=[b"%PDF-1.4 not"])
    assert exc.value.as_list()[0]["field"] == "photos"
    assert project.photos.count() == 0


def test_photos_are_stored_without_exif(city, people):
    from PIL import Image

    project = running_project(city, people)
    [photo] = services.add_photos(actor=people["worker"], item_id=project.pk, phase="before",
                                  photos=[jpeg(exif=True)])
    with Image.open(photo.image.path) as img:
        assert not img.getexif()


def test_status_of_the_source_stays_reachable_when_cancelled(city, people):
    need = services.create_item(actor=people["worker"], kind="need", title="加装电梯", place_id=city.compound.pk)
    services.change_status(actor=people["secretary"], item_id=need.pk, to="cancelled", reason="业主意见不一致")
    need.refresh_from_db()
    assert need.status == Status.CANCELLED
    services.change_status(actor=people["secretary"], item_id=need.pk, to="proposed", reason="重新征求意见")
    assert Item.objects.get(pk=need.pk).status == "proposed"
