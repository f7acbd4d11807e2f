"""Scoped reads run as statements compiled once per process (linli.core.compiled) when the
person's roles cover the subtree asked for (issue 9 part 5): they must give what the ORM's
scoped query gives, in one statement, and never for someone whose roles do not cover it."""

import pytest

from linli.accounts.scope import forget, scoped
from linli.core import compiled
from linli.places import selectors
from linli.places.models import CareTag, Place, Resident
from linli.testing import queries


def _by_orm(user, places):
    """counts_under's answer through the ORM's scoped query, whatever the roles."""
    groups = {}
    for p in places:
        groups.setdefault(p.depth, []).append(p)
    spec = [(d * 4, selectors._common_prefix([p.path for p in g])) for d, g in groups.items()]
    rows = list(selectors._counts_query(lambda qs, verb, under: scoped(user, qs, verb, under=under), spec))
    return sorted(rows, key=repr)


def _compiled_rows(user, places):
    groups = {}
    for p in places:
        groups.setdefault(p.depth, []).append(p)
    values = {}
    for i, (d, g) in enumerate(groups.items()):
        values[f"under{i}"], values[f"length{i}"] = selectors._common_prefix([p.path for p in g]), d * 4
    return sorted(selectors._counts_statement(len(groups)).run(**values)[1], key=repr)


def test_counts_per_grid_compiled_equal_the_orm_and_take_one_statement(city):
    secretary = city.person("community_secretary")
    grids = [city.grid, city.other_grid]
    expected = _by_orm(secretary, grids)
    assert any(n for *_rest, n in expected), "the city has households and residents to count"
    assert [tuple(r) for r in _compiled_rows(secretary, grids)] == [tuple(r) for r in expected]
    selectors.counts_under(secretary, grids)  # scope read and first build, once
    with queries(exactly=1):
        counts = selectors.counts_under(secretary, grids)
    assert counts[city.grid.pk]["residents"] == Resident.objects.filter(path__startswith=city.grid.path,
                                                                        lives_here=True).count()
    assert counts[city.grid.pk]["tags"] == {"elderly_alone": 1}


def test_mixed_depths_compile_one_statement_per_shape(city):
    secretary = city.person("community_secretary")
    places = [city.grid, city.compound, city.community_dwelling]
    assert [tuple(r) for r in _compiled_rows(secretary, places)] == [tuple(r) for r in _by_orm(secretary, places)]


def test_a_role_below_the_subtree_is_not_given_the_compiled_statement(city):
    """A grid worker asking for the community's grids sees their own grid's numbers only: the
    compiled statement (the whole subtree) must not be used for them."""
    worker = city.person("grid_worker")
    counts = selectors.counts_under(worker, [city.grid, city.other_grid])
    assert counts[city.other_grid.pk]["residents"] == 0
    assert counts[city.grid.pk]["residents"] == 1


def test_care_tag_ids_are_read_once_and_follow_a_change(city):
    worker = city.person("grid_worker")
    selectors.care_tag_id("elderly_alone")
    with queries(exactly=0):
        tag_id = selectors.care_tag_id("elderly_alone")
    assert tag_id == CareTag.objects.get(code="elderly_alone").pk
    # A tag renamed in this process is found under its new code at once.
    tag = CareTag.objects.get(pk=tag_id)
    tag.code = "elderly_living_alone"
    tag.save()
    assert selectors.care_tag_id("elderly_living_alone") == tag_id
    assert selectors.care_tag_id("elderly_alone") is None
    forget(worker)
    rows = list(selectors.residents_with_tag(worker, under=city.grid, tag_code="elderly_living_alone"))
    assert rows == [city.resident]


def test_a_tag_added_elsewhere_is_found_at_once(city):
    selectors.care_tag_id("elderly_alone")  # cache filled
    added = CareTag.objects.bulk_create([CareTag(code="new_tag", name="新标签")])[0]  # no signal: "elsewhere"
    assert selectors.care_tag_id("new_tag") == added.pk


def test_a_statement_refuses_text_that_is_not_a_plain_path(city):
    with pytest.raises(ValueError):
        selectors._counts_statement(1).run(under0="00%", length0=8)


def test_a_build_must_be_one_statement_and_use_every_value(db):
    two = compiled.Statement("two", lambda under: (list(Place.objects.filter(path__startswith=under)),
                                                   list(Place.objects.all())), under=compiled.Text)
    with pytest.raises(RuntimeError):
        two.run(under="0001")
    unused = compiled.Statement("unused", lambda under: list(Place.objects.all()), under=compiled.Text)
    with pytest.raises(RuntimeError):
        unused.run(under="0001")


def test_compiled_rows_are_the_orms_objects_with_their_related_rows(city):
    from django.db.models import F

    def build(under, pk):
        return (Place.objects.select_related("kind").filter(path__startswith=under, pk__gte=pk)
                .annotate(kind_code=F("kind__code")).order_by("path"))

    rows = compiled.Rows("test.places", build, under=compiled.Text, pk=compiled.Int)
    for under, pk in ((city.community.path, city.grid.pk), (city.grid.path, city.building.pk),
                      (city.other_grid.path, 1)):
        expected = list(build(under, pk))
        assert expected, "each subtree has places"
        with queries(exactly=1):
            got = rows.run(under=under, pk=pk)
            assert [(p.pk, p.path, p.name, p.kind.code, p.kind_code) for p in got] == [
                (p.pk, p.path, p.name, p.kind.code, p.kind_code) for p in expected]


def test_children_compiled_for_a_covering_role_and_scoped_otherwise(city):
    secretary, worker = city.person("community_secretary"), city.person("grid_worker")
    expected = list(selectors.visible_places(secretary).filter(parent=city.community).order_by("path"))
    assert {city.grid, city.other_grid, city.community_dwelling} <= set(expected)
    selectors.children(secretary, city.community)
    with queries(exactly=1):
        got = selectors.children(secretary, city.community)
        assert [(p.pk, p.kind.code) for p in got] == [(p.pk, p.kind.code) for p in expected]
    # The grid worker's role does not cover the community: only what they may see of it.
    assert selectors.children(worker, city.community) == list(
        selectors.visible_places(worker).filter(parent=city.community).order_by("path"))
    assert city.other_grid not in selectors.children(worker, city.community)
