"""Race on PostgreSQL: one owner files from four tabs at once; the elector's row lock lets one
objection open and refuses the rest."""

import pytest

from linli.deliberation import services_objections as objections
from linli.deliberation.models import Elector, Objection
from linli.testing import errors, fresh_user, oks, race_behind_a_lock, row_lock

from .estate import Estate
from .test_objections import preliminary

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_one_owner_objects_from_four_tabs_at_once(city):
    estate = Estate(city, {"1栋": [("101", "100"), ("102", "100"), ("103", "100")],
                           "2栋": [("101", "80.50"), ("102", "120"), ("103", "99.99")]})
    vote, owners, _ = preliminary(estate, city)
    user = estate.user(owners["2栋-101"])
    elector = Elector.objects.get(vote=vote, label="2栋-101")
    calls = [lambda i=i: objections.file_objection(actor=fresh_user(user), vote_id=vote.pk, text=f"异议{i}")
             for i in range(4)]
    results, waited = race_behind_a_lock(row_lock(Elector, elector.pk), calls)
    assert waited == len(calls)
    assert len(oks(results)) == 1
    assert {e.code for e in errors(results)} == {"objection_open"} and len(errors(results)) == 3
    assert Objection.objects.filter(vote=vote, elector=elector, status="open").count() == 1
