"""Photos on cases: validated as images, size-limited, re-encoded without metadata (EXIF
carries GPS positions and device ids) before anything is stored, so what is kept may be
shown publicly."""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile

from linli.core.images import MAX_BYTES, clean_image  # noqa: F401  (the one image check)


def store(case, cleaned: tuple[bytes, int, int], *, event=None):
    """Store an image already passed through clean_image."""
    from .models import CasePhoto

    clean, width, height = cleaned
    photo = CasePhoto(case=case, event=event, width=width, height=height)
    photo.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(clean), save=False)
    photo.save()
    return photo
