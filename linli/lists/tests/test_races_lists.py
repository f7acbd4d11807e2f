"""Two people recording money on one project at the same time, on PostgreSQL. Overlap is
proven, not hoped for: the first writer holds the project's row lock inside its open
transaction, the second is started and observed waiting on that lock in pg_stat_activity
(wait_event_type = 'Lock'), then the first commits. Both entries land and the second's
balance check saw the first's receipt."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from linli.accounts.models import User
from linli.lists import services
from linli.lists.models import Item, MoneyEntry

from .conftest import START, running_project

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def waiting_on_lock() -> int:
    with connections["default"].cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query ILIKE '%%lists_item%%FOR UPDATE%%'")
        return cur.fetchone()[0]


def test_two_writers_on_one_project_both_land(city, people):
    project = running_project(city, people)
    line = project.budget_lines.get(name="材料")
    day = START
    holding = threading.Event()
    release = threading.Event()
    results, crashes = {}, []

    def first():
        try:
            user = User.objects.get(pk=people["community"].pk)
            with transaction.atomic():
                results["first"] = services.record_money(actor=user, item_id=project.pk, kind="receipt",
                                                         amount_fen=100000, on_date=day, party="温江区财政",
                                                         source="public")
                holding.set()
                assert release.wait(20)
        except Exception as exc:  # pragma: no cover - reported below
            crashes.append(exc)
        finally:
            connection.close()

    def second():
        try:
            user = User.objects.get(pk=people["secretary"].pk)
            # Spends more than the balance before the first receipt: allowed only if it waited.
            results["second"] = services.record_money(actor=user, item_id=project.pk, kind="disbursement",
                                                      amount_fen=60000, on_date=day, party="建材店",
                                                      budget_line_id=line.pk)
        except Exception as exc:  # pragma: no cover
            crashes.append(exc)
        finally:
            connection.close()

    t1 = threading.Thread(target=first)
    t1.start()
    assert holding.wait(20)
    t2 = threading.Thread(target=second)
    t2.start()
    seen_waiting = False
    for _ in range(200):
        if waiting_on_lock():
            seen_waiting = True
            break
        time.sleep(0.05)
    release.set()
    t1.join(30)
    t2.join(30)
    assert not crashes, crashes
    assert seen_waiting, "the second writer never waited on the project's row lock"
    assert MoneyEntry.objects.filter(item_id=project.pk).count() == 2
    project = Item.objects.get(pk=project.pk)
    assert (project.received_fen, project.spent_fen, project.balance_fen) == (100000, 60000, 40000)
    assert not results["second"].is_advance
    assert services.figures_from_entries(project)["received_fen"] == project.received_fen
