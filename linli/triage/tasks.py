"""The nightly retrain of the category suggester, as a django-tasks task (`manage.py
scheduler` enqueues it, `manage.py db_worker` runs it). Idempotent: over the same handled
cases it stores nothing new."""

from __future__ import annotations

from django_tasks import task

from linli.core.actors import SYSTEM
from linli.core.errors import Conflict
from linli.core.jobs import periodic

from . import services


@periodic("triage", every=86400, help="retrain the category suggester on handled cases")
@task()
def retrain_triage_model() -> dict:
    """Train on the handled cases' final categories; {"trained", "version", "accuracy", …}."""
    from .models import TriageModel

    before = TriageModel.objects.order_by("-version").values_list("version", flat=True).first()
    try:
        row = services.train_model(actor=SYSTEM)
    except Conflict as exc:  # too few handled cases yet: the keywords keep suggesting
        return {"trained": False, "reason": exc.code, "version": before}
    return {"trained": row.version != before, "version": row.version, "n_cases": row.n_cases,
            "accuracy": round(row.accuracy, 4), "top3_accuracy": round(row.top3_accuracy, 4),
            "keyword_accuracy": round(row.keyword_accuracy, 4)}
