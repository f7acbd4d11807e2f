"""Capacity and the waiting list: places used = offered + confirmed (+ attended), counted
under the activity lock; every path that frees a place runs the one promotion."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.activities import services
from linli.activities.models import Participation, ParticipationEvent
from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, Forbidden, Invalid

from .conftest import make_activity

pytestmark = pytest.mark.django_db
S = Participation.Status


def statuses(activity):
    return list(Participation.objects.filter(activity=activity).order_by("id").values_list("status", flat=True))


def test_sign_up_fills_then_waits_and_a_cancellation_offers_the_place(city, residents):
    a = make_activity(city, capacity=2)
    ps = [services.sign_up(actor=r, activity_id=a.pk) for r in residents[:4]]
    assert statuses(a) == ["confirmed", "confirmed", "waiting", "waiting"]
    services.cancel(actor=residents[0], participation_id=ps[0].pk)
    assert statuses(a) == ["cancelled", "confirmed", "offered", "waiting"]
    offered = Participation.objects.get(pk=ps[2].pk)
    assert offered.offer_expires_at > timezone.now()
    assert services.places_used(a) == 2
    services.accept_offer(actor=residents[2], participation_id=ps[2].pk)
    assert statuses(a) == ["cancelled", "confirmed", "confirmed", "waiting"]
    with pytest.raises(Conflict) as err:
        services.sign_up(actor=residents[1], activity_id=a.pk)
    assert err.value.code == "already_signed_up"
    # signing up again after cancelling goes to the back of the line
    services.sign_up(actor=residents[0], activity_id=a.pk)
    assert statuses(a) == ["waiting", "confirmed", "confirmed", "waiting"]
    waiting = Participation.objects.filter(activity=a, status=S.WAITING).order_by("queued_at")
    assert [p.person_id for p in waiting] == [residents[3].pk, residents[0].pk]


def test_staff_cancellation_needs_a_reason_and_promotes(city, residents, organiser):
    a = make_activity(city, capacity=1)
    first = services.sign_up(actor=residents[0], activity_id=a.pk)
    services.sign_up(actor=residents[1], activity_id=a.pk)
    with pytest.raises(Invalid):
        services.cancel(actor=organiser, participation_id=first.pk)
    services.cancel(actor=organiser, participation_id=first.pk, reason="本人电话告知不能参加")
    assert statuses(a) == ["cancelled", "offered"]
    assert ParticipationEvent.objects.filter(participation=first, kind="cancelled_by_staff").count() == 1


def test_priority_then_time_decides_who_is_offered(city, residents, organiser):
    a = make_activity(city, capacity=1)
    holder = services.sign_up(actor=residents[0], activity_id=a.pk)
    w1 = services.sign_up(actor=residents[1], activity_id=a.pk)
    w2 = services.sign_up(actor=residents[2], activity_id=a.pk)
    with pytest.raises(Forbidden):
        services.set_priority(actor=residents[2], participation_id=w2.pk, priority=5, reason="我想先")
    services.set_priority(actor=organiser, participation_id=w2.pk, priority=5, reason="独居老人优先")
    services.cancel(actor=residents[0], participation_id=holder.pk)
    assert Participation.objects.get(pk=w2.pk).status == S.OFFERED
    assert Participation.objects.get(pk=w1.pk).status == S.WAITING


def test_raising_capacity_offers_places_and_lowering_takes_none_away(city, residents, organiser):
    a = make_activity(city, capacity=2)
    ps = [services.sign_up(actor=r, activity_id=a.pk) for r in residents[:5]]
    services.set_capacity(actor=organiser, activity_id=a.pk, capacity=4)
    assert statuses(a) == ["confirmed", "confirmed", "offered", "offered", "waiting"]
    services.set_capacity(actor=organiser, activity_id=a.pk, capacity=1)
    assert statuses(a) == ["confirmed", "confirmed", "offered", "offered", "waiting"]
    services.cancel(actor=residents[0], participation_id=ps[0].pk)
    services.cancel(actor=residents[2], participation_id=ps[2].pk)
    assert statuses(a) == ["cancelled", "confirmed", "cancelled", "offered", "waiting"]  # 2 used > 1: no offer
    services.cancel(actor=residents[1], participation_id=ps[1].pk)
    services.cancel(actor=residents[3], participation_id=ps[3].pk)
    assert statuses(a)[-1] == "offered"
    assert services.places_used(a) == 1


def test_an_expired_offer_passes_on_and_cannot_be_accepted(city, residents):
    a = make_activity(city, capacity=1, offer_minutes=30)
    holder = services.sign_up(actor=residents[0], activity_id=a.pk)
    w1 = services.sign_up(actor=residents[1], activity_id=a.pk)
    services.sign_up(actor=residents[2], activity_id=a.pk)
    services.cancel(actor=residents[0], participation_id=holder.pk)
    Participation.objects.filter(pk=w1.pk).update(offer_expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Conflict) as err:
        services.accept_offer(actor=residents[1], participation_id=w1.pk)
    assert err.value.code == "offer_expired"
    assert services.expire_offers() == 1
    assert statuses(a) == ["cancelled", "cancelled", "offered"]
    assert ParticipationEvent.objects.filter(participation=w1, kind="offer_expired").count() == 1
    assert services.expire_offers() == 0


def test_a_sign_up_passes_stale_offers_on_before_it_counts(city, residents):
    a = make_activity(city, capacity=1)
    holder = services.sign_up(actor=residents[0], activity_id=a.pk)
    w1 = services.sign_up(actor=residents[1], activity_id=a.pk)
    services.cancel(actor=residents[0], participation_id=holder.pk)
    Participation.objects.filter(pk=w1.pk).update(offer_expires_at=timezone.now() - timedelta(seconds=1))
    late = services.sign_up(actor=residents[2], activity_id=a.pk)
    assert Participation.objects.get(pk=w1.pk).status == S.CANCELLED
    assert late.status == S.CONFIRMED  # nobody else was waiting


def test_transition_table_refuses_moves_it_does_not_list(city, residents):
    a = make_activity(city, capacity=0)
    p = services.sign_up(actor=residents[0], activity_id=a.pk)
    assert p.status == S.SIGNED_UP  # no limit, no waiting list
    with pytest.raises(Conflict) as err:
        services._transition(p, S.OFFERED, actor=SYSTEM)
    assert err.value.code == "status_not_allowed"


def test_window_and_audience(city, residents):
    a = make_activity(city, capacity=5, place=city.grid)
    outsider = city.user_with("resident", at=city.other_dwelling)
    with pytest.raises(Forbidden) as err:
        services.sign_up(actor=outsider, activity_id=a.pk)
    assert err.value.code == "not_in_audience"
    soon = make_activity(city, capacity=5, signup_opens_at=timezone.now() + timedelta(hours=1))
    with pytest.raises(Conflict) as err:
        services.sign_up(actor=residents[0], activity_id=soon.pk)
    assert err.value.code == "signup_not_open"
    started = make_activity(city, capacity=5, starts_in=timedelta(minutes=-5))
    with pytest.raises(Conflict) as err:
        services.sign_up(actor=residents[0], activity_id=started.pk)
    assert err.value.code == "signup_closed"
    tagged = make_activity(city, capacity=5, audience_tags=["elderly_alone"])
    with pytest.raises(Forbidden):
        services.sign_up(actor=residents[0], activity_id=tagged.pk)


def test_create_reports_every_field_error_at_once(city, organiser):
    with pytest.raises(Invalid) as err:
        services.create_activity(actor=organiser, place_id=city.community.pk, kind="x", title="", starts_at=None,
                                 ends_at=None, capacity=-1)
    fields = {e["field"] for e in err.value.as_list()}
    assert {"kind", "title", "starts_at", "ends_at", "capacity"} <= fields
