"""The WSGI application for gunicorn (`gunicorn linli.wsgi`, see README, Deployment)."""

import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
application = get_wsgi_application()

log = logging.getLogger("linli.wsgi")


def warm_up() -> None:
    """Load the segmentation dictionary and the stored category model now, when the worker
    starts, instead of in the first case intake (2–3 s). A failure here (no model yet, the
    database not migrated) only means the first intake loads them itself."""
    from linli.triage import pipeline, suggest

    try:
        pipeline.tokenize("小区路灯坏了")
        suggest.current_pipeline()
    except Exception:  # noqa: BLE001 - warming up must never stop a worker from serving
        log.exception("warm-up failed; the first case intake will load the model itself")


from django.conf import settings  # noqa: E402

if settings.LINLI_WARM_UP:
    warm_up()
