"""Uploaded photos (case photos, list vouchers and before/after pictures): validated as
images, size-limited and re-encoded as JPEG without metadata (EXIF carries GPS positions and
device ids) before anything is stored, so what is kept may be shown publicly."""

from __future__ import annotations

import io

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import Invalid

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
FORMATS = {"JPEG", "PNG", "WEBP"}


def clean_image(data: bytes, *, field: str = "photo") -> tuple[bytes, int, int]:
    """Return (JPEG bytes without metadata, width, height) or raise Invalid."""
    if not data:
        raise Invalid(_("请选择图片"), code="photo_required", field=field)
    if len(data) > MAX_BYTES:
        raise Invalid(_("图片不能超过10MB"), code="photo_too_large", field=field)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise Invalid(_("只支持 JPEG、PNG、WebP 图片"), code="photo_format", field=field)
            if probe.width * probe.height > MAX_PIXELS:
                raise Invalid(_("图片尺寸过大"), code="photo_too_large", field=field)
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            img = ImageOps.exif_transpose(img)  # keep the picture upright once EXIF is gone
            img = img.convert("RGB")
            img.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            # A fresh image carries no EXIF, XMP or ICC profile from the upload.
            img.save(out, format="JPEG", quality=85, optimize=True)
            return out.getvalue(), img.width, img.height
    except Invalid:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise Invalid(_("文件不是有效的图片"), code="photo_invalid", field=field) from None
