"""Fault injection: the job worker is killed in the middle of an import and started again. The
report is either fully there or absent, and the job is shown as failed (or as succeeded, when the
import had committed just before the kill): never half-written, never running forever."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.hostile_files import many_paragraphs_text

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPHS = 40_000


def manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def shell(env, code):
    return manage(env, "shell", "--verbosity", "0", "-c", code)


def start_worker(env, log):
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its forkserver and parser children die with it
    )


def wait_until(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


STATE = (
    "from annotations.models import Job, Passage, Report; job = Job.objects.get();"
    "print(job.status, Report.objects.count(), Passage.objects.count(), sep=',')"
)


def test_killing_the_worker_mid_import_leaves_the_report_whole_or_absent(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    database = tmp_path / "fault.sqlite3"
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{database}",
        JOBS_SQLITE_PATH=str(tmp_path / "jobs.sqlite3"),
        JOBS_IMMEDIATE="0",
        IMPORT_TIME_LIMIT_SECONDS="600",  # however busy the machine, the import gets to its writes
    )
    manage(env, "migrate", "--verbosity", "0")
    report_file = tmp_path / "long.txt"
    report_file.write_bytes(many_paragraphs_text(PARAGRAPHS))
    # Queued by one process (as the web server does), run by another: the queue is on disk.
    shell(
        env,
        "from annotations import jobs; from annotations.models import Job, Workspace;"
        "ws = Workspace.objects.create(name='Fault', slug='fault');"
        f"jobs.enqueue(Job.Kind.IMPORT_REPORT, workspace=ws, payload=open({str(report_file)!r}, 'rb').read(),"
        " params={'filename': 'long.txt'})",
    )
    log = open(tmp_path / "worker.log", "w")
    worker = start_worker(env, log)
    wal = Path(f"{database}-wal")
    try:
        # The import's one transaction is being written: the write-ahead log grows, nothing committed.
        wait_until(lambda: wal.exists() and wal.stat().st_size > 2_000_000, 240, "the import to write rows")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        status, reports, passages = shell(env, STATE).split(",")
        assert (reports, passages) in {("0", "0"), ("1", str(PARAGRAPHS))}, "half-written"
        assert status == ("running" if reports == "0" else "succeeded")

        worker = start_worker(env, log)
        wait_until(lambda: shell(env, STATE).split(",")[0] != "running", 120, "the restarted worker to notice")
        status, reports, passages = shell(env, STATE).split(",")
        assert (status, reports, passages) in {("failed", "0", "0"), ("succeeded", "1", str(PARAGRAPHS))}
        if status == "failed":
            message = shell(env, "from annotations.models import Job; print(Job.objects.get().message)")
            assert message.startswith("The worker running this job stopped")
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        log.close()
