"""我的消息: each person sees their own in-app notices, the unread count in the menu, and
opening a notice marks it read and follows its link."""

import pytest
from django.test import Client
from django.utils import timezone

from linli.notify import selectors, services
from linli.notify.models import Notification


@pytest.fixture
def two_people(city):
    return city.user_with("resident", at=city.dwelling, name="李大爷"), \
        city.user_with("resident", at=city.other_dwelling, name="王云川")


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_the_menu_shows_the_unread_count_and_the_inbox_lists_own_notices(two_people):
    me, other = two_people
    services.enqueue([me], kind="case_answered", text="[2026120100001] 您的诉求已有答复", url="/cases/1/")
    services.enqueue([me], kind="case_closed", text="[2026120100001] 您的诉求已办结，请评价", url="/cases/1/")
    services.enqueue([other], kind="case_closed", text="别人的通知", url="/cases/2/")
    page = client_for(me).get("/notices/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="unread-count"' in html and ">2</span>" in html
    assert "您的诉求已有答复" in html and "您的诉求已办结，请评价" in html
    assert "别人的通知" not in html


def test_opening_a_notice_marks_it_read_and_follows_its_link(two_people):
    me, _ = two_people
    services.enqueue([me], kind="case_answered", text="您的诉求已有答复", url="/cases/7/")
    note = Notification.objects.get(recipient=me)
    assert note.read_at is None
    before = timezone.now()
    response = client_for(me).post(f"/notices/{note.pk}/open/", {"next": "/cases/7/"})
    assert response.status_code == 302 and response["Location"] == "/cases/7/"
    note.refresh_from_db()
    assert before <= note.read_at <= timezone.now()
    assert selectors.unread_count(actor=me) == 0
    assert ">0</span>" not in client_for(me).get("/notices/").content.decode()


def test_a_link_to_another_site_is_not_followed(two_people):
    me, _ = two_people
    services.enqueue([me], kind="x", text="通知", url="/cases/7/")
    note = Notification.objects.get(recipient=me)
    response = client_for(me).post(f"/notices/{note.pk}/open/", {"next": "https://evil.example/"})
    assert response["Location"] == "/notices/"


def test_nobody_can_mark_another_persons_notice_read(two_people):
    me, other = two_people
    services.enqueue([other], kind="x", text="别人的通知", url="/cases/2/")
    theirs = Notification.objects.get(recipient=other)
    client_for(me).post(f"/notices/{theirs.pk}/open/", {"next": "/"})
    assert services.mark_read(actor=me, notification_ids=[theirs.pk]) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_the_actors_in_app_notices(two_people):
    me, other = two_people
    services.enqueue([me, other], kind="x", text="通知", url="/")
    client_for(me).post("/notices/read-all/")
    assert selectors.unread_count(actor=me) == 0
    assert selectors.unread_count(actor=other) == 1


def test_the_inbox_reads_a_constant_number_of_queries(two_people, django_assert_num_queries):
    me, _ = two_people
    c = client_for(me)
    services.enqueue([me], kind="x", text="通知", url="/")
    c.get("/notices/")  # warm caches (session, roles)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        c.get("/notices/")
    for _ in range(25):
        services.enqueue([me], kind="x", text="通知", url="/")
    with CaptureQueriesContext(connection) as many:
        c.get("/notices/")
    assert len(many) == len(few)


def test_english_inbox(two_people):
    me, _ = two_people
    c = client_for(me)
    html = c.get("/notices/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My notices" in html and "No notices yet" in html
