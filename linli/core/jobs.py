"""Periodic jobs, owned by the app they belong to. An app declares its jobs in its own
`tasks.py`:

    @periodic("sweep", every=60, help="escalate overdue cases, yellow and red cards")
    @task()
    def sweep_deadlines() -> dict: ...

`manage.py scheduler` discovers them (`discover()` imports every installed app's `tasks`
module) and imports no app itself, so a new app's jobs are scheduled by adding the app.
(pretix does the same with a `periodic_task` signal that apps receive.)"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: object  # a django_tasks Task
    every: float  # seconds between runs (settings.LINLI_SCHEDULE overrides by name)
    help: str = ""


_jobs: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: float, help: str = ""):
    """Register a django-tasks task as a periodic job called `name`."""

    def register(task):
        existing = _jobs.get(name)
        if existing is not None and getattr(existing.task, "module_path", None) != getattr(task, "module_path", None):
            raise ValueError(f"two periodic jobs are called {name!r}")
        _jobs[name] = PeriodicJob(name, task, float(every), help)
        return task

    return register


def discover() -> list[PeriodicJob]:
    """Every app's periodic jobs, in a stable order (by name)."""
    autodiscover_modules("tasks")
    return [_jobs[name] for name in sorted(_jobs)]
