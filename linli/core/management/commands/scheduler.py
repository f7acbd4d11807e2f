"""`manage.py scheduler`: the one long-running process that enqueues linli's periodic jobs
at their intervals; `manage.py db_worker` runs them. Each app declares its own jobs in its
`tasks.py` (`linli.core.jobs.periodic`); this command discovers them and imports no app.

    manage.py db_worker          # one or more: run the queued jobs
    manage.py scheduler          # exactly one is enough: enqueue the periodic ones
    manage.py scheduler --run-inline   # a single-process dev set-up: run them here, no worker
    manage.py scheduler --once         # enqueue each job once and exit (cron, tests)

Two schedulers running by mistake do no harm: every job is idempotent (cases are locked one
by one with SKIP LOCKED and their deadlines checked again after the lock; the outbox claims
its rows the same way), so a job enqueued twice does its work once. To keep the queue from
filling up while no worker runs (or under two schedulers), a job is not enqueued again while
one of its kind is still waiting to run; two schedulers can still both enqueue one in the
same instant, which is harmless for the reason above.

SIGTERM and SIGINT stop the loop between jobs: a job running inline is finished first.
"""

from __future__ import annotations

import argparse
import logging
import signal
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from linli.core import jobs

log = logging.getLogger("linli.scheduler")

@dataclass
class Job:
    name: str
    task: object  # a django_tasks Task
    interval: float
    next_at: float = 0.0


def default_jobs(intervals: dict[str, float] | None = None) -> list[Job]:
    """Every app's registered periodic jobs. Seconds between runs: the app's default,
    then settings.LINLI_SCHEDULE by job name, then the command's options."""
    given = {**getattr(settings, "LINLI_SCHEDULE", {}), **(intervals or {})}
    return [Job(job.name, job.task, float(given.get(job.name, job.every))) for job in jobs.discover()]


def _still_queued(task) -> bool:
    """A job of this kind is enqueued and not yet picked up by a worker (database backend)."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(task_path=task.module_path, backend_name=backend.alias,
                                       status=TaskResultStatus.READY).exists()


class Scheduler:
    def __init__(self, jobs: list[Job], *, inline: bool = False, clock=time.monotonic, sleep=time.sleep,
                 housekeeping=close_old_connections):
        self.jobs = jobs
        self.inline = inline
        self.clock = clock
        self.sleep = sleep
        # Like the worker: drop database connections that broke or aged while we slept.
        self.housekeeping = housekeeping
        self.running = True

    def stop(self, signum=None, frame=None) -> None:
        if self.running:
            log.info("scheduler: %s received, stopping after the current job",
                     signal.Signals(signum).name if signum else "stop")
        self.running = False

    def fire(self, job: Job) -> str:
        """Enqueue the job (or run it here with --run-inline); what happened, for the log."""
        if self.inline:
            started = time.monotonic()
            try:
                result = job.task.call()
            except Exception:  # one failing run must not stop the scheduler; the next run retries
                log.exception("scheduler: %s failed", job.name)
                return "failed"
            log.info("scheduler: ran %s in %.2fs: %s", job.name, time.monotonic() - started, result)
            return "ran"
        try:
            if _still_queued(job.task):
                log.info("scheduler: %s not enqueued, the last one is still waiting for a worker", job.name)
                return "waiting"
            result = job.task.enqueue()
        except Exception:  # the database may be away for a moment; try again at the next interval
            log.exception("scheduler: could not enqueue %s", job.name)
            return "failed"
        log.info("scheduler: enqueued %s (%s)", job.name, result.id)
        return "enqueued"

    def run_once(self) -> dict[str, str]:
        return {job.name: self.fire(job) for job in self.jobs}

    def tick(self) -> float:
        """Fire the jobs that are due; the seconds until the next one is."""
        now = self.clock()
        for job in self.jobs:
            if not self.running:
                break
            if now >= job.next_at:
                self.housekeeping()
                self.fire(job)
                # Keep to the grid of intervals, but after a long job do not fire a backlog.
                job.next_at = max(job.next_at + job.interval, self.clock())
        return max(0.0, min(job.next_at for job in self.jobs) - self.clock())

    def run(self, *, max_ticks: int | None = None) -> None:
        start = self.clock()
        for job in self.jobs:
            job.next_at = start
        ticks = 0
        while self.running:
            wait = self.tick()
            ticks += 1
            if max_ticks is not None and ticks >= max_ticks:
                break
            # Short naps, so a signal stops the loop within a second.
            deadline = self.clock() + wait
            while self.running and self.clock() < deadline:
                self.sleep(min(1.0, max(0.0, deadline - self.clock())))
        log.info("scheduler: stopped")


class Command(BaseCommand):
    help = "Enqueue every app's periodic jobs (deadline sweep, outbox, follow-ups, retrains …) at their intervals."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="enqueue (or run) each job once, then exit")
        parser.add_argument("--run-inline", action="store_true",
                            help="run the jobs in this process instead of enqueuing them (no worker needed)")
        parser.add_argument("--every", action="append", default=[], metavar="JOB=SECONDS",
                            help="seconds between runs of a job, e.g. --every sweep=30 (repeatable)")
        for name in ("sweep", "outbox", "follow_ups", "triage"):  # the older spelling, kept
            parser.add_argument(f"--{name.replace('_', '-')}-every", type=float, dest=f"every_{name}",
                                help=argparse.SUPPRESS)
        parser.add_argument("--only", action="append", metavar="JOB",
                            help="schedule only this job (repeatable); see --list")
        parser.add_argument("--list", action="store_true", help="list the registered jobs and exit")

    def handle(self, *args, once=False, run_inline=False, every=(), only=None, verbosity=1, **options):
        intervals = {}
        for item in every:
            name, _, value = item.partition("=")
            try:
                intervals[name.strip()] = float(value)
            except ValueError:
                raise CommandError(f"--every wants JOB=SECONDS, not {item!r}") from None
        intervals.update({key[len("every_"):]: value for key, value in options.items()
                          if key.startswith("every_") and value is not None})
        if any(value <= 0 for value in intervals.values()):
            raise CommandError("intervals must be positive")
        registered = {job.name: job for job in jobs.discover()}
        unknown = sorted((set(intervals) | set(only or ())) - set(registered))
        if unknown:
            raise CommandError(f"no such job: {', '.join(unknown)} (known: {', '.join(sorted(registered))})")
        if options.get("list"):
            for job in registered.values():
                self.stdout.write(f"{job.name:12} every {job.every:g}s  {job.help}")
            return
        if verbosity > 0 and not log.handlers and not logging.getLogger("linli").handlers:
            log.addHandler(logging.StreamHandler(self.stdout))
        log.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO if verbosity else logging.WARNING)
        selected = [job for job in default_jobs(intervals) if not only or job.name in only]
        scheduler = Scheduler(selected, inline=run_inline)
        if once:
            outcome = scheduler.run_once()
            self.stdout.write(", ".join(f"{name}: {what}" for name, what in outcome.items()))
            return
        signal.signal(signal.SIGTERM, scheduler.stop)
        signal.signal(signal.SIGINT, scheduler.stop)
        log.info("scheduler: %s %s", "running inline" if run_inline else "enqueuing",
                 ", ".join(f"{job.name} every {job.interval:g}s" for job in selected))
        scheduler.run()
