"""Background jobs: long work leaves the request.

The engine is huey, a small task queue in production use since 2011. With JOBS_REDIS_URL its
queue lives in Redis and `manage.py run_huey` runs workers on as many machines as needed; without
it the queue is a SQLite file (JOBS_SQLITE_PATH), read by the worker that `make run` starts, so
development needs no extra service. The queue carries only a job's id: the Job row holds what
people see (status, progress, outcome) and the input, so a job survives a restart of the web
server or of the queue, and a worker on another machine finds everything it needs.

For other code, two calls:
    job = jobs.enqueue(Job.Kind.IMPORT_REPORT, workspace=ws, user=user, payload=data, params={...})
    job = jobs.status(job)   # fresh from the database; a job whose worker died is marked failed
A kind's runner, RUNNERS[kind](job, progress) -> (message, report or None), does its writes in one
transaction and raises JobError (or ReportImportError) with a message for a person: a failed job
leaves nothing half-written.
"""

import logging
import os
import socket
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone
from huey.contrib.djhuey import HUEY, db_task

from .importing import ReportImportError
from .importing.load import import_report_file
from .models import Job

logger = logging.getLogger(__name__)

WORKER_DIED = "The worker running this job stopped (restarted or crashed) before it finished; nothing was saved."
UNEXPECTED = "The job failed unexpectedly; nothing was saved. The error is in the server's log."
PROGRESS_EVERY_SECONDS = 0.5


class JobError(Exception):
    """A job cannot be done; the message is for a person."""


def enqueue(kind, *, workspace, user=None, payload=b"", params=None) -> Job:
    """Record a job and queue it once the record is committed (so a worker always finds it)."""
    job = Job.objects.create(kind=kind, workspace=workspace, created_by=user, payload=payload, params=params or {})
    transaction.on_commit(lambda: run_job(job.pk))
    return job


def status(job: Job) -> Job:
    job.refresh_from_db(fields=["status", "phase", "done", "total", "message", "report", "worker", "started_at"])
    if job.status == Job.Status.RUNNING and _worker_gone(job):
        _finish(job.pk, Job.Status.FAILED, WORKER_DIED)
        job.refresh_from_db(fields=["status", "message", "finished_at"])
    return job


@db_task()
def run_job(job_pk):
    # Claimed with a conditional update, so a job queued twice still runs once.
    claimed = Job.objects.filter(pk=job_pk, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), worker=_worker_id()
    )
    if not claimed:
        return
    job = Job.objects.select_related("workspace", "created_by").get(pk=job_pk)
    try:
        message, report = RUNNERS[job.kind](job, _progress(job))
    except (JobError, ReportImportError) as error:
        _finish(job.pk, Job.Status.FAILED, str(error))
    except Exception:
        logger.exception("job %s (%s) failed", job.uuid, job.kind)
        _finish(job.pk, Job.Status.FAILED, UNEXPECTED)
    else:
        _finish(job.pk, Job.Status.SUCCEEDED, message, report)


@HUEY.on_startup()
def fail_orphans():
    """When a worker starts, the jobs that a dead worker on this machine was running are failed."""
    for job in Job.objects.filter(status=Job.Status.RUNNING, worker__startswith=f"{socket.gethostname()}:"):
        if _worker_gone(job):
            _finish(job.pk, Job.Status.FAILED, WORKER_DIED)


def _import_report(job, progress):
    result = import_report_file(
        bytes(job.payload),
        filename=job.params["filename"],
        workspace=job.workspace,
        title=job.params.get("title") or None,
        imported_by=job.created_by,
        progress=progress,
    )
    report = result.report
    if not result.created:
        return f"This file was imported before, as “{report.title}”.", report
    return f"Imported “{report.title}”: {_passage_count(result)}.", report


def _passage_count(result):
    """Counted as the report's page counts them: notes are passages too."""
    total = result.passages + result.notes
    counted = f"{total} passage{pluralize(total)}"
    if result.notes:
        counted += f" ({result.notes} of them {'a note' if result.notes == 1 else 'notes'})"
    return counted


RUNNERS = {Job.Kind.IMPORT_REPORT: _import_report}


def _progress(job):
    last = 0.0

    def report(phase, done, total):
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY_SECONDS or done == total:
            last = now
            Job.objects.filter(pk=job.pk).update(phase=phase, done=done, total=total)

    return report


def _finish(job_pk, status, message, report=None):
    Job.objects.filter(pk=job_pk).update(
        status=status, message=message, report=report, finished_at=timezone.now(), payload=b""
    )


def _worker_id():
    return f"{socket.gethostname()}:{os.getpid()}"


def _worker_gone(job) -> bool:
    host, _, pid = job.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, as another user
            return False
        return False
    # On another machine: gone once it has run longer than any job may.
    return job.started_at is not None and timezone.now() - job.started_at > timedelta(seconds=settings.JOB_MAX_SECONDS)
