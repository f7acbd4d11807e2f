"""The outbox: notices are written in the transaction of the event they tell of, and the
worker sends them through the pluggable SMS sender, with retries and back-off."""

import datetime as dt
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test import override_settings

from linli.accounts import services as account_services
from linli.accounts.models import SentSms
from linli.cases import services as case_services
from linli.cases.models import Case, CaseEvent
from linli.core.actors import SYSTEM
from linli.notify.models import Notification
from linli.notify.services import MAX_ATTEMPTS, deliver_pending, enqueue
from linli.testing import next_phone

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


class RecordingSender:
    """Counts every send (across threads)."""

    calls: list = []
    lock = threading.Lock()
    delay = 0.0

    def send(self, phone, text):
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            type(self).calls.append((phone, text))


class FailingSender:
    def send(self, phone, text):
        raise ConnectionError("gateway down")


class FlakySender:
    """Fails the first send of each text, then succeeds."""

    seen: set = set()
    sent: list = []

    def send(self, phone, text):
        if text not in self.seen:
            self.seen.add(text)
            raise TimeoutError("gateway timeout")
        self.sent.append(text)


class DatabaseErrorSender:
    """A sender that breaks the database transaction it runs in, then raises."""

    def send(self, phone, text):
        if "bad" in text:
            SentSms.objects.create(phone_masked="x", phone_hash="x", text=None)  # NOT NULL
        RecordingSender().send(phone, text)


@pytest.fixture(autouse=True)
def _fresh_senders():
    RecordingSender.calls, RecordingSender.delay = [], 0.0
    FlakySender.seen, FlakySender.sent = set(), []


def user(phone=True):
    return account_services.create_user(actor=SYSTEM, display_name="王阿姨", phone=next_phone() if phone else "")


# ---------------------------------------------------------------- writing: same transaction


def test_enqueue_writes_in_app_always_and_sms_where_a_phone_is_known(db):
    with_phone, without = user(), user(phone=False)
    assert enqueue([with_phone, without, with_phone, None], kind="k", text="通知", url="/x/", sms=True) == 3
    rows = Notification.objects.order_by("recipient_id", "channel")
    assert [(n.recipient_id, n.channel, n.status) for n in rows] == [
        (with_phone.pk, "in_app", "sent"), (with_phone.pk, "sms", "pending"), (without.pk, "in_app", "sent")]


def test_notices_exist_if_and_only_if_the_event_does(city, monkeypatch):
    resident = city.user_with("resident", at=city.dwelling)
    worker = city.user_with("grid_worker", at=city.grid)
    case = case_services.submit_case(actor=resident, text="小区门口车辆乱停乱放", channel="resident",
                                     place_id=city.dwelling.pk)
    assert Notification.objects.filter(recipient=worker, kind="case_new").count() == 1
    before = (Case.objects.count(), CaseEvent.objects.count(), Notification.objects.count())

    # The service fails after it wrote the case, its events and their notices: none remain.
    # On SQLite the audit entry is its own INSERT after the others; on PostgreSQL intake
    # writes them all in one statement (linli.core.together), which then fails the same way.
    import linli.core.together as together

    def broken_audit(**kwargs):
        raise RuntimeError("audit store down")

    def written_then_audit_down(real):
        def write(*args, **kwargs):
            real(*args, **kwargs)
            assert Notification.objects.count() > before[2]  # the notices were written …
            raise RuntimeError("audit store down")          # … and go with the failure
        return write

    monkeypatch.setattr(case_services, "record_audit", broken_audit)
    monkeypatch.setattr(together, "insert_together", written_then_audit_down(together.insert_together))
    # Intake takes no savepoint of its own: it runs in its caller's transaction (the request's
    # idempotency claim), which the failure rolls back whole.
    with pytest.raises(RuntimeError), transaction.atomic():
        case_services.submit_case(actor=resident, text="小区门口车辆乱停乱放", channel="resident",
                                  place_id=city.dwelling.pk)
    assert (Case.objects.count(), CaseEvent.objects.count(), Notification.objects.count()) == before


def test_a_rolled_back_transaction_takes_its_notices_with_it(db):
    recipient = user()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        enqueue([recipient], kind="k", text="不会发出", sms=True)
        1 / 0
    assert not Notification.objects.exists()


# ---------------------------------------------------------------- delivering


@override_settings(LINLI_SMS_SENDER="linli.notify.tests.test_outbox.RecordingSender")
def test_deliver_pending_sends_through_the_configured_sender(db):
    a, b = user(), user()
    with time_machine.travel(T0, tick=False):
        enqueue([a, b], kind="k", text="您的诉求已办结", sms=True)
        assert deliver_pending() == 2
    assert sorted(RecordingSender.calls) == sorted([(a.phone, "您的诉求已办结"), (b.phone, "您的诉求已办结")])
    sms = Notification.objects.filter(channel="sms")
    assert {(n.status, n.attempts, n.sent_at) for n in sms} == {("sent", 1, T0)}
    assert deliver_pending() == 0 and len(RecordingSender.calls) == 2  # sent once


def test_the_console_sender_is_the_default(db):
    recipient = user()
    enqueue([recipient], kind="k", text="控制台短信", sms=True)
    assert deliver_pending() == 1
    assert SentSms.objects.get().text == "控制台短信"


@override_settings(LINLI_SMS_SENDER="linli.notify.tests.test_outbox.FailingSender")
def test_failures_are_retried_with_back_off_then_failed(db):
    recipient = user()
    with time_machine.travel(T0, tick=False) as clock:
        enqueue([recipient], kind="k", text="短信", sms=True)
        note = Notification.objects.get(channel="sms")
        waits = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            assert deliver_pending() == 0
            note.refresh_from_db()
            assert note.attempts == attempt and note.last_error == "gateway down"
            if attempt < MAX_ATTEMPTS:
                assert note.status == "pending"
                waits.append(note.next_attempt_at - dt.datetime.now(dt.timezone.utc))
                # Not tried again before its time.
                clock.move_to(note.next_attempt_at - timedelta(seconds=1))
                deliver_pending()
                note.refresh_from_db()
                assert note.attempts == attempt
                clock.move_to(note.next_attempt_at)
        assert waits == [timedelta(minutes=m) for m in (2, 4, 8, 16)]
        assert note.status == "failed" and note.sent_at is None
        clock.shift(timedelta(days=1))
        deliver_pending()
        note.refresh_from_db()
        assert note.attempts == MAX_ATTEMPTS and note.status == "failed"


@override_settings(LINLI_SMS_SENDER="linli.notify.tests.test_outbox.FlakySender")
def test_a_failed_send_succeeds_on_retry(db):
    recipient = user()
    with time_machine.travel(T0, tick=False) as clock:
        enqueue([recipient], kind="k", text="重试短信", sms=True)
        assert deliver_pending() == 0
        clock.shift(timedelta(minutes=2))
        assert deliver_pending() == 1
    note = Notification.objects.get(channel="sms")
    assert (note.status, note.attempts, FlakySender.sent) == ("sent", 2, ["重试短信"])


@override_settings(LINLI_SMS_SENDER="linli.notify.tests.test_outbox.DatabaseErrorSender")
def test_a_sender_that_breaks_the_database_does_not_spoil_the_batch(db):
    recipient = user()
    enqueue([recipient], kind="k", text="bad", sms=True)
    enqueue([recipient], kind="k", text="good", sms=True)
    assert deliver_pending() == 1
    statuses = dict(Notification.objects.filter(channel="sms").values_list("text", "status"))
    assert statuses == {"bad": "pending", "good": "sent"}
    assert [text for _, text in RecordingSender.calls] == ["good"]


# ---------------------------------------------------------------- racing workers (PostgreSQL)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@override_settings(LINLI_SMS_SENDER="linli.notify.tests.test_outbox.RecordingSender")
def test_racing_workers_send_each_sms_exactly_once():
    recipients = [user() for _ in range(30)]
    for i, recipient in enumerate(recipients):
        enqueue([recipient], kind="k", text=f"短信{i}", sms=True)
    RecordingSender.delay = 0.005  # a slow gateway widens the window for a double send
    barrier = threading.Barrier(4)
    errors = []

    def worker():
        try:
            barrier.wait()
            while deliver_pending(limit=5):
                pass
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    texts = [text for _, text in RecordingSender.calls]
    assert len(texts) == 30 and sorted(set(texts)) == sorted(texts)
    assert set(Notification.objects.filter(channel="sms").values_list("status", flat=True)) == {"sent"}
