"""A case that becomes a topic for residents to deliberate: deliberation publishes
`deliberation.topic_from_case`, cases follows it (cases/subscribers.py) with a timeline entry
linking to the topic, shown to the reporter and the handlers, and a notice to the reporter;
a replayed event adds nothing."""

import pytest

from linli.cases import services
from linli.cases.models import CaseEvent
from linli.cases.subscribers import note_topic_from_case
from linli.core import events
from linli.core.models import DomainEvent, EffectDone
from linli.deliberation import services_meetings as deliberation
from linli.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def made_topic(city, django_capture_on_commit_callbacks):
    people = city.people("resident", "grid_worker", "community_worker")
    case = city.report("resident", "小区垃圾房破旧，门也坏了，夏天气味大")
    case = city.accept(case, people["grid_worker"])
    with django_capture_on_commit_callbacks(execute=True):
        topic = deliberation.topic_from_case(actor=people["community_worker"], case_id=case.pk,
                                             title="垃圾房改造：砖、门和颜色")
    people["case"], people["topic"] = case, topic
    return people


def test_the_timeline_links_to_the_topic_and_the_reporter_is_told_once(made_topic):
    p = made_topic
    case, topic = p["case"], p["topic"]
    [entry] = CaseEvent.objects.filter(case=case, kind="topic")
    assert entry.data == {"topic": topic.pk, "url": f"/deliberation/topics/{topic.pk}/"}
    assert entry.actor_id == p["community_worker"].pk and not entry.is_internal
    assert "垃圾房改造：砖、门和颜色" in entry.note
    told = Notification.objects.filter(kind="case_topic", channel="in_app")
    assert [n.recipient_id for n in told] == [p["resident"].pk]
    assert told[0].url == f"/cases/{case.pk}/"

    # Replayed: by the events job, by the handler on the same event, by the service again.
    event = DomainEvent.objects.get(kind="deliberation.topic_from_case", data__case=case.pk)
    assert EffectDone.objects.filter(effect="cases.note_topic_from_case", event=event).exists()
    assert events.dispatch_pending()["applied"] == 0
    note_topic_from_case(event)
    assert services.note_topic_from_case(actor=None, case_id=case.pk, topic_id=topic.pk, title=topic.title) is None
    assert CaseEvent.objects.filter(case=case, kind="topic").count() == 1
    assert Notification.objects.filter(kind="case_topic").count() == 1


def test_an_event_published_before_cases_followed_it_is_caught_up_by_the_job(city):
    # The effect runs from the events job too (the publisher's commit callback may never run).
    people = city.people("resident", "community_worker")
    case = city.report("resident", "楼道灯坏了")
    topic = deliberation.topic_from_case(actor=people["community_worker"], case_id=case.pk)  # no on_commit here
    assert not CaseEvent.objects.filter(case=case, kind="topic").exists()
    assert events.dispatch_pending()["applied"] >= 1
    assert list(CaseEvent.objects.filter(case=case, kind="topic").values_list("data__topic", flat=True)) == [topic.pk]


def test_reporter_and_handler_see_the_topic_on_the_case_page_and_follow_the_link(client, made_topic):
    p = made_topic
    case, topic = p["case"], p["topic"]
    for who in ("resident", "grid_worker"):
        client.force_login(p[who])
        page = client.get(f"/cases/{case.pk}/").content.decode()
        assert "转为议题" in page and f'href="/deliberation/topics/{topic.pk}/"' in page, who
    client.force_login(p["resident"])
    inbox = client.get("/notices/").content.decode()
    assert "您的诉求已转为居民议事议题" in inbox
    topic_page = client.get(f"/deliberation/topics/{topic.pk}/")
    assert topic_page.status_code == 200 and "垃圾房改造：砖、门和颜色" in topic_page.content.decode()
