"""`figures` runs a statement compiled once per process when the official's roles cover the
place asked for (issue 9 part 5): the same numbers as the ORM's scoped aggregate, in one
statement after the scope read; someone whose roles do not cover it gets the ORM's answer."""

import datetime as dt

from django.utils import timezone

from linli.accounts.roles import Verb
from linli.accounts.scope import covers, forget, scoped
from linli.cases import selectors
from linli.cases.models import Case
from linli.testing import queries


def _orm_figures(user, under, period):
    base = scoped(user, Case.objects.all(), Verb.CASE_VIEW, under=under.path)
    return selectors._figure_rates(base.aggregate(**selectors._figure_counts(period)))


def test_compiled_figures_equal_the_orm_for_an_official_covering_the_place(city):
    people = city.people()
    first = city.report("resident")
    city.handle(first)
    city.report("resident", at=city.other_dwelling)
    city.report("resident", text="路灯不亮了")
    official = people["street_official"]
    period = selectors.Period.days(30, until=timezone.now() + dt.timedelta(minutes=1))
    for under in (city.street, city.community, city.grid):
        forget(official)
        assert covers(official, Verb.CASE_VIEW, under.path)
        expected = _orm_figures(official, under, period)
        assert expected["received"] >= 1
        assert selectors.figures(official, under=under, period=period) == expected
    forget(official)
    selectors.figures(official, under=city.street, period=period)
    with queries(exactly=1):
        selectors.figures(official, under=city.community, period=period)


def test_someone_not_covering_the_place_gets_the_scoped_numbers(city):
    people = city.people()
    city.report("resident")
    city.report("resident", at=city.other_dwelling)
    worker = people["grid_worker"]
    period = selectors.Period.days(30, until=timezone.now() + dt.timedelta(minutes=1))
    assert not covers(worker, Verb.CASE_VIEW, city.community.path)
    theirs = selectors.figures(worker, under=city.community, period=period)
    whole = selectors.figures(people["street_official"], under=city.community, period=period)
    assert theirs == _orm_figures(worker, city.community, period)
    assert theirs["received"] < whole["received"]
