"""linli.core.together: a row and its dependent rows in one statement (PostgreSQL only)."""

import pytest
from django.db import DataError, connection, transaction

from linli.core import together
from linli.core.models import AuditEntry

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="a data-modifying WITH: PostgreSQL")


@pytest.mark.django_db
def test_children_get_the_parents_returned_values():
    parent = AuditEntry(kind="test.parent", target_type="x", path="0001")
    children = [(AuditEntry(kind="test.child", target_type="x", target_id=together.returned("id"),
                            note=f"see {together.returned('id')}!", path="0001"), {}) for _ in range(2)]
    together.insert_together(parent, children)
    assert parent.pk is not None and not parent._state.adding and parent.at is not None
    stored = list(AuditEntry.objects.filter(kind="test.child"))
    assert [(c.target_id, c.note) for c in stored] == [(str(parent.pk), f"see {parent.pk}!")] * 2
    assert AuditEntry.objects.get(pk=parent.pk).kind == "test.parent"


@pytest.mark.django_db
def test_a_too_long_value_fails_as_a_plain_insert_would_and_nothing_is_written():
    parent = AuditEntry(kind="test.parent", target_type="x")
    child = AuditEntry(kind="k" * 65, target_type="x")  # kind is 64 characters at most
    with pytest.raises(DataError), transaction.atomic():
        together.insert_together(parent, [(child, {})])
    assert not AuditEntry.objects.filter(kind="test.parent").exists()


@pytest.mark.django_db
def test_a_marker_of_no_returned_column_is_refused():
    parent = AuditEntry(kind="test.parent", target_type="x")
    child = AuditEntry(kind="test.child", target_type="x", note=together.returned("kind"))
    with pytest.raises(ValueError):
        together.insert_together(parent, [(child, {})])
    with pytest.raises(ValueError):
        together.insert_together(parent, [(AuditEntry(kind="c", target_type="x"), {"target_id": "kind"})])


def _guard(refused: bool):
    # A guard as intake uses it: an UPDATE … RETURNING with a "refused" column.
    from linli.accounts.models import User

    marker = User.objects.create(username=f"guard-{refused}", display_name="guard")
    return marker, (f'UPDATE "{User._meta.db_table}" SET "case_window_count" = "case_window_count" + 1 '
                    f'WHERE "id" = %s RETURNING "case_window_count", %s AS "refused"', [marker.pk, refused])


@pytest.mark.django_db
def test_a_guard_that_refuses_leaves_everything_unwritten_but_its_own_update():
    marker, guard = _guard(True)
    parent = AuditEntry(kind="test.parent", target_type="x")
    child = AuditEntry(kind="test.child", target_type="x", target_id=together.returned("id"))
    assert together.insert_together(parent, [(child, {})], guard=guard) == {"case_window_count": 1, "refused": True}
    assert parent.pk is None and parent._state.adding
    assert not AuditEntry.objects.filter(kind__in=["test.parent", "test.child"]).exists()
    marker.refresh_from_db()
    assert marker.case_window_count == 1  # the guard's UPDATE ran (the caller rolls it back)


@pytest.mark.django_db
def test_a_guard_that_lets_through_writes_the_parent_and_children_as_without_one():
    marker, guard = _guard(False)
    parent = AuditEntry(kind="test.parent", target_type="x", path="0001", data={"a": [1, "二"]})
    child = AuditEntry(kind="test.child", target_type="x", target_id=together.returned("id"))
    assert together.insert_together(parent, [(child, {})], guard=guard) == {"case_window_count": 1, "refused": False}
    stored = AuditEntry.objects.get(pk=parent.pk)
    assert (stored.kind, stored.path, stored.data, stored.at) == ("test.parent", "0001", {"a": [1, "二"]}, parent.at)
    assert AuditEntry.objects.get(kind="test.child").target_id == str(parent.pk)


@pytest.mark.django_db
def test_a_too_long_parent_value_fails_with_a_guard_too():
    _marker, guard = _guard(False)
    with pytest.raises(DataError), transaction.atomic():
        together.insert_together(AuditEntry(kind="k" * 65, target_type="x"), [], guard=guard)
