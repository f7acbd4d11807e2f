"""Topic photos: a proposer shows what the topic is about (the shed in the fire lane, the broken
door). The one image check of linli (`core.images.clean_image`: decoded, at most
`core.images.MAX_BYTES`, re-encoded as JPEG without metadata) runs on every file before any is
stored, so a bad file leaves nothing behind and is reported on its own field (`photos.<i>`).
A case that becomes a topic brings its photos along (`copy_case_photos`)."""

from __future__ import annotations

import uuid

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from linli.accounts.scope import allowed
from linli.core.errors import Conflict, Forbidden, Invalid, NotFound
from linli.core.images import clean_image

from .models import Topic, TopicPhoto

# Nine, as on a phone's photo grid (and the lists' limit): enough to show a place from its
# sides, few enough for a topic page on a phone.
MAX_TOPIC_PHOTOS = 9
# Photos may be added while the topic is still being collected or screened, not once it is
# on an agenda (what the meeting discussed stays what it saw).
PHOTO_STATUSES = (Topic.Status.PROPOSED, Topic.Status.TO_SCHEDULE)


def photo_refusal(actor, topic: Topic, *, adding: int = 1):
    """Why `actor` may not add `adding` photos to `topic` now (the error the service raises),
    or None: the proposer, or staff who may convene there; while the topic is open; within the
    limit. The topic page offers the upload exactly when this is None."""
    if not getattr(actor, "is_authenticated", False):
        return Forbidden(_("请先登录"), code="unauthenticated")
    if not (topic.proposer_id == actor.pk or allowed(actor, "deliberation.convene", topic)):
        return Forbidden(_("只有提议人或召集人可以上传议题照片"), code="not_proposer")
    if topic.status not in PHOTO_STATUSES:
        return Conflict(_("议题已上会，不能再上传照片"), code="wrong_status")
    if topic.photos.count() + adding > MAX_TOPIC_PHOTOS:
        return Invalid(_("每个议题最多%(n)s张照片") % {"n": MAX_TOPIC_PHOTOS}, code="too_many_photos",
                       field="photos")
    return None


def clean_all(images: list[bytes]) -> list[tuple[bytes, int, int]]:
    """Every image checked before any is stored; each failure on its own field."""
    if len(images) > MAX_TOPIC_PHOTOS:
        raise Invalid(_("每个议题最多%(n)s张照片") % {"n": MAX_TOPIC_PHOTOS}, code="too_many_photos",
                      field="photos")
    cleaned, errors = [], []
    for i, data in enumerate(images):
        try:
            cleaned.append(clean_image(data, field=f"photos.{i}"))
        except Invalid as exc:
            # Which file: a phone sends several at once.
            errors.append({"field": f"photos.{i}", "code": exc.code,
                           "message": _("第%(n)s张图片：%(error)s") % {"n": i + 1, "error": exc.message}})
    if errors:
        raise Invalid(errors[0]["message"], code=errors[0]["code"], field=errors[0]["field"], errors=errors)
    return cleaned


def _store(topic: Topic, cleaned: tuple[bytes, int, int], *, actor, from_case_photo: int | None = None):
    data, width, height = cleaned
    photo = TopicPhoto(topic=topic, width=width, height=height, from_case_photo=from_case_photo,
                       added_by=actor if getattr(actor, "pk", None) else None)
    photo.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(data), save=False)
    photo.save()
    return photo


@transaction.atomic
def add_topic_photos(*, actor, topic_id: int, images: list[bytes]) -> list[TopicPhoto]:
    topic = Topic.objects.select_for_update().filter(pk=topic_id).first()
    if topic is None:
        raise NotFound(_("未找到该议题"), code="not_found")
    if not images:
        raise Invalid(_("请选择图片"), code="photo_required", field="photos")
    refusal = photo_refusal(actor, topic, adding=len(images))
    if refusal is not None:
        raise refusal
    cleaned = clean_all(images)
    photos = [_store(topic, c, actor=actor) for c in cleaned]
    from .services_meetings import _topic_event

    _topic_event(topic, "photos", actor=actor, data={"photos": [p.pk for p in photos]})
    return photos


@transaction.atomic
def propose_topic(*, actor, place_id: int, title: str, body: str = "", images: list[bytes] = (),
                  support_threshold: int | None = None) -> Topic:
    """Propose a topic with its photos in one transaction: the photos are checked first, so a
    bad file stops the proposal with the file's own error and nothing is written."""
    from .services_meetings import propose_topic as propose

    cleaned = clean_all(list(images)) if images else []
    topic = propose(actor=actor, place_id=place_id, title=title, body=body, support_threshold=support_threshold)
    for c in cleaned:
        _store(topic, c, actor=actor)
    return topic


def copy_case_photos(topic: Topic, case, *, actor) -> list[TopicPhoto]:
    """A case that becomes a topic brings its photos of the problem (not the handler's photos
    of a result), copied, not linked: the topic is shown to every resident of the place, while
    a case's photos are shown under the case's own rules, and a later change to the case must
    not change what the topic showed. The case's photos were cleaned on upload; they are
    stored again as they are. At most MAX_TOPIC_PHOTOS. Called inside topic_from_case."""
    CasePhoto = apps.get_model("cases", "CasePhoto")
    out = []
    for photo in CasePhoto.objects.filter(case=case, event__isnull=True).order_by("id")[:MAX_TOPIC_PHOTOS]:
        with photo.image.open("rb") as fh:
            data = fh.read()
        out.append(_store(topic, (data, photo.width, photo.height), actor=actor, from_case_photo=photo.pk))
    return out
