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
A kind's runner, RUNNERS[kind](job, progress) -> Done(message, report=..., result=..., result_name=...),
does its writes in one transaction and raises JobError (or ReportImportError) with a message for a
person: a failed job leaves nothing half-written. An export's file (`result`) is kept with the job
and downloaded from its page.
"""

import io
import json
import logging
import os
import socket
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone
from huey.contrib.djhuey import HUEY, db_task

from .importing import ReportImportError
from .importing.load import import_report_file
from .models import Job, Passage, Report
from .sharing.fixture import Selection, count_records, iter_records, write_fixture
from .sharing.jsonld import annotation_collection
from .sharing.table import write_csv

logger = logging.getLogger(__name__)

WORKER_DIED = "The worker running this job stopped (restarted or crashed) before it finished; nothing was saved."
UNEXPECTED = "The job failed unexpectedly; nothing was saved. The error is in the server's log."
PROGRESS_EVERY_SECONDS = 0.5


class JobError(Exception):
    """A job cannot be done; the message is for a person."""


@dataclass
class Done:
    """What a runner hands back: the outcome for a person, and the report or file it made."""

    message: str
    report: object = None
    result: bytes = b""
    result_name: str = ""


def enqueue(kind, *, workspace, user=None, payload=b"", params=None) -> Job:
    """Record a job and queue it once the record is committed (so a worker always finds it)."""
    job = Job.objects.create(kind=kind, workspace=workspace, created_by=user, payload=payload, params=params or {})
    transaction.on_commit(lambda: run_job(job.pk))
    return job


def status(job: Job) -> Job:
    job.refresh_from_db(
        fields=["status", "phase", "done", "total", "message", "report", "worker", "started_at", "finished_at"]
    )
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
        done = RUNNERS[job.kind](job, _progress(job))
    except (JobError, ReportImportError) as error:
        _finish(job.pk, Job.Status.FAILED, str(error))
    except Exception:
        logger.exception("job %s (%s) failed", job.uuid, job.kind)
        _finish(job.pk, Job.Status.FAILED, UNEXPECTED)
    else:
        _finish(
            job.pk, Job.Status.SUCCEEDED, done.message, done.report, result=done.result, result_name=done.result_name
        )


@HUEY.on_startup()
def fail_orphans():
    """When a worker starts, the jobs that a dead worker on this machine was running are failed."""
    for job in Job.objects.filter(status=Job.Status.RUNNING, worker__startswith=f"{socket.gethostname()}:"):
        if _worker_gone(job):
            _finish(job.pk, Job.Status.FAILED, WORKER_DIED)


def _import_report(job, progress):
    """A report file, or the next version of a report (its annotations carried over in the same
    transaction, so the new version never shows without them)."""
    previous = None
    if "new_version_of" in job.params:
        previous = Report.objects.filter(workspace=job.workspace, uuid=job.params["new_version_of"]).first()
        if previous is None:
            raise JobError("The report this file was to be a new version of is no longer there; nothing was saved.")
    result = import_report_file(
        bytes(job.payload),
        filename=job.params["filename"],
        workspace=job.workspace,
        title=job.params.get("title") or (previous.title if previous else None),
        imported_by=job.created_by,
        new_version_of=previous,
        progress=progress,
    )
    report = result.report
    if previous is not None:
        carried = result.carried
        return Done(
            f"Version {report.version_number} imported. Carried over {carried.tag_links} tag links, "
            f"{carried.highlights} highlights, {carried.comments} comments and {carried.source_links} source "
            f"links; {carried.orphans} annotation{'s' if carried.orphans != 1 else ''} "
            f"need{'' if carried.orphans != 1 else 's'} review.",
            report,
        )
    if not result.created:
        return Done(f"This file was imported before, as “{report.title}”.", report)
    return Done(f"Imported “{report.title}”: {_passage_count(result)}.", report)


def _passage_count(result):
    """Counted as the report's page counts them: notes are passages too."""
    total = result.passages + result.notes
    counted = f"{total} passage{pluralize(total)}"
    if result.notes:
        counted += f" ({result.notes} of them {'a note' if result.notes == 1 else 'notes'})"
    return counted


def _import_fixture(job, progress):
    """The safe importer (`import_fixture`), every record into the job's workspace: a curator's
    upload can reach no other workspace."""
    # Imported here: the importer uses the services, which queue jobs through this module.
    from .sharing.fixture_import import FixtureError, import_fixture

    name = Path(job.params["filename"]).name or "fixture.json"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(bytes(job.payload))
        progress("importing records", 0, 0)
        try:
            summary = import_fixture(
                str(path),
                workspace=job.workspace.slug,
                dry_run=job.params.get("dry_run", False),
                apply_deletions=job.params.get("apply_deletions", False),
            )
        except FixtureError as error:
            # Its messages name the file by its path: the uploaded file's name is what people know.
            raise JobError(f"The fixture cannot be imported: {str(error).replace(str(path), name)}") from None
    return Done("\n".join(summary.lines()))


def _export_fixture(job, progress):
    """The whole workspace, as `export_fixture --workspace` writes it; or, with a "selection" of
    report and passage uuids (the admin's), those of them in the workspace, as its download does."""
    chosen = job.params.get("selection")
    if chosen:
        selection = Selection.of_admin_selection(
            reports=Report.objects.filter(workspace=job.workspace, uuid__in=chosen["reports"]),
            passages=Passage.objects.filter(report__workspace=job.workspace, uuid__in=chosen["passages"]),
        )
    else:
        selection = Selection.of_workspace(job.workspace.slug)
    total = count_records(selection)
    written = 0

    def counted():
        nonlocal written
        written += 1
        progress("writing records", written, total)

    stream = io.StringIO()
    write_fixture(iter_records(selection), stream, on_record=counted)
    name = f"{job.workspace.slug}-{timezone.localtime(job.created_at):%Y%m%d-%H%M%S}.json"
    return Done(f"Exported {written:,} records.", result=stream.getvalue().encode(), result_name=name)


def _export_annotations(job, progress):
    """A report's annotations, as `export_annotations` writes them (csv or W3C JSON-LD)."""
    report = Report.objects.filter(workspace=job.workspace, uuid=job.params.get("report")).first()
    if report is None:
        raise JobError("The report is no longer there; nothing was exported.")
    progress("writing annotations", 0, 0)
    stream = io.StringIO(newline="")
    if job.params["format"] == "csv":
        write_csv(report, stream)
    else:
        json.dump(annotation_collection(report), stream, ensure_ascii=False, indent=1)
    name = f"{report.slug}.{job.params['format']}"
    return Done(f"Exported the annotations of “{report.title}”.", report, stream.getvalue().encode(), name)


RUNNERS = {
    Job.Kind.IMPORT_REPORT: _import_report,
    Job.Kind.NEW_VERSION: _import_report,
    Job.Kind.IMPORT_FIXTURE: _import_fixture,
    Job.Kind.EXPORT_FIXTURE: _export_fixture,
    Job.Kind.EXPORT_ANNOTATIONS: _export_annotations,
}


def _progress(job):
    last = 0.0

    def report(phase, done, total):
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY_SECONDS or done == total:
            last = now
            Job.objects.filter(pk=job.pk).update(phase=phase, done=done, total=total)

    return report


def _finish(job_pk, status, message, report=None, **result):
    Job.objects.filter(pk=job_pk).update(
        status=status, message=message, report=report, finished_at=timezone.now(), payload=b"", **result
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
