"""core.paging.CappedPaginator: the count stops at the cap, pages below it work as Django's."""

import pytest

from linli.accounts.models import User
from linli.core.paging import CappedPaginator

pytestmark = pytest.mark.django_db


def _users(n):
    User.objects.bulk_create([User(username=f"p{i}") for i in range(n)])
    return User.objects.filter(username__startswith="p").order_by("username")


@pytest.mark.parametrize("rows, cap, count, capped, pages", [
    (5, 10, 5, False, 3),    # below the cap: the exact count
    (10, 10, 10, False, 5),  # exactly the cap: still exact
    (11, 10, 10, True, 5),   # one over: the cap, and said to be capped
    (0, 10, 0, False, 1),
])
def test_the_count_is_exact_up_to_the_cap(rows, cap, count, capped, pages):
    paginator = CappedPaginator(_users(rows), 2, cap=cap)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (count, capped, pages)


def test_a_page_past_the_cap_is_the_last_counted_page():
    paginator = CappedPaginator(_users(7), 2, cap=4)
    page = paginator.get_page(4)  # rows 7 and 8 would be page 4; the cap makes 2 pages
    assert page.number == 2 and [u.username for u in page.object_list] == ["p2", "p3"]
