"""Topic photos: proposed with the topic or added later by the proposer (or staff who convene),
checked by the one image check with the error on the file's own field, at most
MAX_TOPIC_PHOTOS; shown on the topic page and through the API; a case's photos follow it into
its topic."""

import io

import pytest
from PIL import Image

from linli.core.errors import Conflict, Forbidden, Invalid
from linli.core.images import MAX_BYTES
from linli.deliberation import services_meetings as sm
from linli.deliberation import services_topics as st
from linli.deliberation.models import Topic, TopicEvent, TopicPhoto
from linli.testing import api_headers

pytestmark = pytest.mark.django_db


def png(color=(200, 30, 30), size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def lidaye(city):
    from linli.accounts.models import User

    user = city.person("resident")
    User.objects.filter(pk=user.pk).update(resident=city.resident)
    user.refresh_from_db()
    return user


def test_a_topic_proposed_with_photos_shows_them(city, lidaye, client):
    topic = st.propose_topic(actor=lidaye, place_id=city.compound.pk, title="消防通道被棚子占了",
                             images=[png(), png((0, 90, 200), (30, 60))])
    photos = list(topic.photos.all())
    assert [(p.width, p.height) for p in photos] == [(40, 30), (30, 60)]
    assert all(p.image.read()[:2] == b"\xff\xd8" for p in photos)  # re-encoded as JPEG
    client.force_login(lidaye)
    page = client.get(f"/deliberation/topics/{topic.pk}/").content.decode()
    assert page.count('alt="议题照片"') == 2 and 'data-testid="topic-photos"' in page
    assert client.get(f"/deliberation/topics/photos/{photos[0].pk}/")["Content-Type"] == "image/jpeg"
    listing = client.get("/deliberation/topics/").content.decode()
    assert "2张照片" in listing
    # A resident of another grid sees neither the topic nor its photos.
    client.force_login(city.person("other_resident"))
    assert client.get(f"/deliberation/topics/photos/{photos[0].pk}/").status_code == 404


def test_a_bad_file_stops_the_proposal_with_the_files_own_error(city, lidaye, client):
    with pytest.raises(Invalid) as err:
        st.propose_topic(actor=lidaye, place_id=city.compound.pk, title="坏照片", images=[png(), b"not an image"])
    assert [e["field"] for e in err.value.as_list()] == ["photos.1"]
    assert "第2张图片" in err.value.as_list()[0]["message"]
    assert not Topic.objects.filter(title="坏照片").exists() and not TopicPhoto.objects.exists()
    # On the page: the message under the photo field, nothing saved.
    client.force_login(lidaye)
    bad = io.BytesIO(b"%PDF-1.4 not a picture")
    bad.name = "scan.pdf"
    r = client.post("/deliberation/topics/", {"place_id": city.compound.pk, "title": "坏照片", "photos": [bad]})
    assert r.status_code == 400
    page = r.content.decode()
    assert 'data-testid="photos-error"' in page and "文件不是有效的图片" in page
    assert not Topic.objects.filter(title="坏照片").exists()


def test_photo_limit_and_who_may_add(city, lidaye, client):
    topic = st.propose_topic(actor=lidaye, place_id=city.compound.pk, title="路灯不亮",
                             images=[png()] * (st.MAX_TOPIC_PHOTOS - 1))
    with pytest.raises(Invalid) as err:
        st.add_topic_photos(actor=lidaye, topic_id=topic.pk, images=[png(), png()])
    assert err.value.code == "too_many_photos" and err.value.field == "photos"
    neighbour = city.user_with("resident", at=city.dwelling)
    with pytest.raises(Forbidden):
        st.add_topic_photos(actor=neighbour, topic_id=topic.pk, images=[png()])
    worker = city.user_with("grid_worker", at=city.grid)
    st.add_topic_photos(actor=worker, topic_id=topic.pk, images=[png()])
    assert topic.photos.count() == st.MAX_TOPIC_PHOTOS
    assert TopicEvent.objects.filter(topic=topic, kind="photos").count() == 1
    # The upload form is offered exactly when the service would take a photo.
    other = st.propose_topic(actor=lidaye, place_id=city.compound.pk, title="垃圾房太旧")
    for user, topic_, expected in ((lidaye, other, True), (neighbour, other, False), (lidaye, topic, False)):
        client.force_login(user)
        page = client.get(f"/deliberation/topics/{topic_.pk}/").content.decode()
        assert ('data-testid="topic-photo-form"' in page) is expected
        assert (st.photo_refusal(user, topic_) is None) is expected
    # Once on an agenda, no more photos.
    sm.screen_topic(actor=worker, topic_id=other.pk, accept=True)
    sm.create_meeting(actor=worker, place_id=city.compound.pk, kind="courtyard", title="院坝会",
                      starts_at=other.created_at, topic_ids=[other.pk])
    with pytest.raises(Conflict):
        st.add_topic_photos(actor=lidaye, topic_id=other.pk, images=[png()])


def test_api_propose_with_photos_and_field_errors(city, lidaye, client):
    headers = api_headers(lidaye)
    good = io.BytesIO(png())
    good.name = "a.png"
    r = client.post("/api/v1/topics", {"place_id": city.compound.pk, "title": "健身器材坏了", "photos": [good]},
                    **headers)
    assert r.status_code == 201, r.content
    body = r.json()
    assert len(body["photos"]) == 1 and body["photos"][0]["url"].startswith("/deliberation/topics/photos/")
    bad = io.BytesIO(b"GIF89a....")
    bad.name = "b.gif"
    r = client.post(f"/api/v1/topics/{body['id']}/photos", {"photos": [bad]}, **headers)
    assert r.status_code == 400
    assert [e["field"] for e in r.json()["errors"]] == ["photos.0"]
    assert client.get(f"/api/v1/topics/{body['id']}", **headers).json()["photos"][0]["width"] == 40
    assert MAX_BYTES == 10 * 1024 * 1024  # the cases' and lists' limit, one constant


def test_a_case_becoming_a_topic_brings_its_photos(city, lidaye):
    from linli.cases import services as case_services  # tests may use the cases app

    case = case_services.submit_case(actor=lidaye, text="小区垃圾房破旧，门坏了，气味大", channel="resident",
                                     place_id=city.dwelling.pk)
    case_services.attach_photos(actor=lidaye, case_id=case.pk, images=[png(), png((10, 10, 10))])
    staff = city.user_with("community_worker", at=city.community)
    topic = sm.topic_from_case(actor=staff, case_id=case.pk)
    copied = list(topic.photos.all())
    assert len(copied) == 2 and {p.from_case_photo for p in copied} == set(case.photos.values_list("pk", flat=True))
    # Copies, not links: the topic keeps its pictures whatever happens to the case's files.
    assert all(p.image.name.startswith("deliberation/topics/") for p in copied)
    assert TopicEvent.objects.get(topic=topic, kind="from_case").data["photos"] == 2


def test_the_topics_page_reads_photo_counts_in_constant_queries(city, lidaye, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(lidaye)

    def queries_for(n):
        while Topic.objects.count() < n:
            st.propose_topic(actor=lidaye, place_id=city.compound.pk, title=f"议题{Topic.objects.count()}",
                             images=[png()])
        client.get("/deliberation/topics/")  # warm per-process caches
        with CaptureQueriesContext(connection) as ctx:
            page = client.get("/deliberation/topics/").content.decode()
        assert page.count("1张照片") == n
        return len(ctx.captured_queries)

    assert queries_for(3) == queries_for(30)
