"""The topics API: propose a topic with photos (multipart), read it with its photos, add
photos. Each photo is checked by the one image check (`core.images`); a bad file is reported
on its own field (`photos.<i>`)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Path, Router, Schema, Status
from ninja.files import UploadedFile

from linli.accounts.scope import allowed
from linli.core.errors import Invalid, NotFound
from linli.core.images import MAX_BYTES
from linli.core.schemas import ERRORS, MAX_ID

from . import services_topics
from .models import Topic

router = Router(tags=["deliberation"])
PATH_ID = Path(..., ge=1, le=MAX_ID)


class PhotoOut(Schema):
    id: int
    url: str
    width: int
    height: int

    @staticmethod
    def resolve_url(obj):
        return reverse("deliberation:topic_photo", args=[obj.pk])


class TopicOut(Schema):
    id: int
    title: str
    body: str
    place_id: int
    status: str
    support_count: int
    support_threshold: int
    case_id: int | None = None
    photos: list[PhotoOut]

    @staticmethod
    def resolve_photos(obj):
        return list(obj.photos.all())


def _bytes(photos: list[UploadedFile] | None) -> list[bytes]:
    photos = photos or []
    too_big = [{"field": f"photos.{i}", "code": "photo_too_large", "message": _("图片不能超过10MB")}
               for i, p in enumerate(photos) if p.size > MAX_BYTES]
    if too_big:
        raise Invalid(too_big[0]["message"], code="photo_too_large", field=too_big[0]["field"], errors=too_big)
    return [p.read() for p in photos]


def _visible(request, topic_id: int) -> Topic:
    topic = Topic.objects.filter(pk=topic_id).first()
    if topic is None or not (allowed(request.user, "deliberation.view", topic)
                             or topic.proposer_id == request.user.pk):
        raise NotFound(_("未找到该议题"), code="not_found")
    return topic


@router.post("/topics", response={201: TopicOut, **ERRORS}, summary="提出议题（可附照片）")
def propose_topic(request, place_id: int = Form(..., ge=1, le=MAX_ID), title: str = Form(..., max_length=120),
                  body: str = Form("", max_length=5000), photos: list[UploadedFile] = File(None)):
    topic = services_topics.propose_topic(actor=request.user, place_id=place_id, title=title, body=body,
                                          images=_bytes(photos))
    return Status(201, topic)


@router.get("/topics/{topic_id}", response={200: TopicOut, **ERRORS}, summary="议题详情与照片")
def get_topic(request, topic_id: int = PATH_ID):
    return _visible(request, topic_id)


@router.post("/topics/{topic_id}/photos", response={201: list[PhotoOut], **ERRORS}, summary="上传议题照片")
def add_photos(request, topic_id: int = PATH_ID, photos: list[UploadedFile] = File(...)):
    _visible(request, topic_id)
    return Status(201, services_topics.add_topic_photos(actor=request.user, topic_id=topic_id, images=_bytes(photos)))
