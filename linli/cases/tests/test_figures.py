import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from linli.cases import selectors, services
from linli.cases.models import Case


@pytest.fixture
def actors(city):
    return {
        "resident": city.user_with("resident", at=city.dwelling),
        "worker": city.user_with("grid_worker", at=city.grid),
        "other_worker": city.user_with("grid_worker", at=city.other_grid),
        "street": city.user_with("street_official", at=city.street),
    }


def _handled(city, actors, *, rating=None, solved=None, late=False):
    case = services.submit_case(actor=actors["resident"], text="小区门口车辆乱停乱放", channel="resident",
                                place_id=city.dwelling.pk)
    services.accept_case(actor=actors["worker"], case_id=case.pk)
    if late:
        Case.objects.filter(pk=case.pk).update(finish_due=timezone.now() - dt.timedelta(minutes=1))
    services.answer_case(actor=actors["worker"], case_id=case.pk, answer="已劝导挪车")
    services.close_case(actor=actors["resident"], case_id=case.pk, outcome="solved")  # the reporter confirms
    if rating:
        services.rate_case(actor=actors["resident"], case_id=case.pk, rating=rating, solved=solved)
    return case


def test_figures_come_from_the_records(city, actors):
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, tzinfo=dt.timezone.utc), tick=True):
        _handled(city, actors, rating="satisfied", solved=True)
        _handled(city, actors, rating="basic", solved=False)
        _handled(city, actors, late=True)
        services.submit_case(actor=actors["resident"], text="路灯不亮了", channel="resident",
                             place_id=city.dwelling.pk)
    period = selectors.Period(dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc),
                              dt.datetime(2026, 12, 31, tzinfo=dt.timezone.utc))
    f = selectors.figures(actors["street"], under=city.street, period=period)
    assert f["received"] == 4
    assert f["accepted"] == 3
    assert f["due"] == 4
    assert f["closed_of_due"] == 3 and f["closed_on_time"] == 2
    assert f["closed_on_time_rate"] == 0.5
    assert f["satisfaction_rate"] == 1.0 and f["rated"] == 2
    assert f["solved_rate"] == 0.5
    # Scope: the other grid's worker sees none of these cases.
    assert selectors.figures(actors["other_worker"], under=city.community, period=period)["received"] == 0


def test_hot_spots_per_grid_and_category(city, actors):
    """Hand-built: three cases in the first grid (two parking, one e-bike), one parking case
    in the second grid, one parking case from before the period. Each (grid, category) is
    one row with its own count, most first, the old case nowhere."""
    with time_machine.travel(dt.datetime(2026, 9, 1, 9, tzinfo=dt.timezone.utc), tick=False):
        city.report("resident", "小区门口车辆乱停乱放", category="parking")  # before the period
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, tzinfo=dt.timezone.utc), tick=True):
        city.report("resident", "小区门口车辆乱停乱放", category="parking")
        city.report("neighbour", "消防通道又被车堵了", category="parking")
        city.report("resident", "电动车乱停还私拉电线充电", category="ebike_charging")
        city.report("other_resident", "大院里车停得乱七八糟", category="parking")
    period = selectors.Period(dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc),
                              dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))
    rows = selectors.hot_spots(actors["street"], under=city.street, period=period)
    assert [(r["place"], r["category"], r["category_name"], r["count"]) for r in rows] == [
        (city.grid, "parking", "车辆乱停乱放", 2),
        (city.grid, "ebike_charging", "电动车充电", 1),
        (city.other_grid, "parking", "车辆乱停乱放", 1),
    ]
    # Per compound, the same cases fall to the two compounds.
    rows = selectors.hot_spots(actors["street"], under=city.street, period=period, kind="compound")
    assert [(r["place"], r["category"], r["count"]) for r in rows] == [
        (city.compound, "parking", 2), (city.compound, "ebike_charging", 1), (city.other_compound, "parking", 1)]
    # The first grid's worker sees only the first grid's rows.
    rows = selectors.hot_spots(actors["worker"], under=city.community, period=period)
    assert [(r["place"], r["category"], r["count"]) for r in rows] == [
        (city.grid, "parking", 2), (city.grid, "ebike_charging", 1)]


def test_queue_is_the_handlers(city, actors):
    case = services.submit_case(actor=actors["resident"], text="小区门口车辆乱停乱放", channel="resident",
                                place_id=city.dwelling.pk)
    assert list(selectors.queue_for(actors["worker"])) == [case]
    assert list(selectors.queue_for(actors["other_worker"])) == []
    assert list(selectors.queue_for(actors["resident"])) == []
