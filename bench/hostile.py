"""Hostile-upload benchmark (issue 13): each hostile or huge file is uploaded to gunicorn with
production settings, with a job worker beside it, and timed as the web process answers it; then
the job's outcome and how long the worker took. Also the passage panel with 16 comments of
20,000 characters of `*[`, and an absurd ?offset=. Prints JSON.

    .venv/bin/python bench/hostile.py             # SQLite in a temporary folder, about 3 minutes

Limits checked: every web answer within 10 s, peak memory of every web process under 500 MB.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.browser import Browser  # noqa: E402
from bench.common import free_port  # noqa: E402
from bench.hostile_files import expensive_comment, many_headings_markdown, many_paragraphs_text, slow_pdf  # noqa: E402

WEB_SECONDS, WEB_MB = 10, 500
FILES = {
    "slow-150k.pdf": lambda: slow_pdf(repeats=150_000),
    "slow-50-pages.pdf": lambda: slow_pdf(repeats=100_000, pages=50),
    "600k-headings.md": many_headings_markdown,
    "400k-paragraphs.txt": many_paragraphs_text,
}


def peak_mb(pid):
    """Peak resident memory (VmHWM) of a process and its children, in MB: the largest of them."""
    pids = [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    peaks = []
    for each in pids:
        status = Path(f"/proc/{each}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024)
    return round(max(peaks), 1)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "hostile-bench-" + "h" * 50,
            "ALLOWED_HOSTS": "127.0.0.1",
            "TRUSTED_PROXIES": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{tmp}/hostile.sqlite3",
            "JOBS_SQLITE_PATH": f"{tmp}/jobs.sqlite3",
            "JOBS_IMMEDIATE": "0",
            "STATIC_ROOT": f"{tmp}/static",
            "LOG_LEVEL": "ERROR",
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [*manage, "shell", "-c", SETUP],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        port = free_port()
        log = open(f"{tmp}/server.log", "w")
        gunicorn = [sys.executable, "-m", "gunicorn", "project.wsgi", "-w", "2", "--threads", "2"]
        server = subprocess.Popen(
            [*gunicorn, "-k", "gthread", "-b", f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        worker = subprocess.Popen(
            [*manage, "run_huey", "--workers", "1"], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
        try:
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            results = run(Browser(port))
            results["web_peak_mb"] = peak_mb(server.pid)
        finally:
            server.terminate()
            os.killpg(worker.pid, signal.SIGTERM)
            server.wait(timeout=30)
            worker.wait(timeout=60)
            log.close()
    web = [r["web_seconds"] for r in results["uploads"].values()] + [results["panel"]["web_seconds"]]
    results["limits"] = {
        "web_seconds_max": max(web),
        "all_within_10_s": max(web) < WEB_SECONDS,
        "web_peak_under_500_mb": results["web_peak_mb"] < WEB_MB,
    }
    json.dump(results, sys.stdout, indent=2, ensure_ascii=False)
    print()


SETUP = """
from django.contrib.auth import get_user_model
from annotations.models import Membership, Passage, Report, Section, Workspace
user = get_user_model().objects.create_user("curator", password="bench-password")
ws = Workspace.objects.create(name="Hostile", slug="hostile")
Membership.objects.create(workspace=ws, user=user, role="curator")
report = Report.objects.create(workspace=ws, title="Target", slug="target")
Passage.objects.create(report=report, order=1, text="A passage to comment on.")
"""


def timed(call, *args, **kwargs):
    started = time.perf_counter()
    result = call(*args, **kwargs)
    return result, round(time.perf_counter() - started, 3)


def run(browser):
    assert browser.log_in("curator", "bench-password") == 302
    _status, page, _ = browser.get("/w/hostile/")
    token = browser.csrf_token(page)
    uploads = {}
    for name, make in FILES.items():
        content = make()
        (status, _text, headers), seconds = timed(browser.upload, "/w/hostile/upload/", token, name, content)
        job_url = headers["Location"]
        started = time.perf_counter()
        while True:
            _s, fragment, _h = browser.get(job_url, headers={"HX-Request": "true"})
            if "hx-trigger" not in fragment:
                break
            time.sleep(1)
        outcome = re.sub(r"<[^>]+>|\s+", " ", fragment).strip()
        uploads[name] = {
            "bytes": len(content),
            "web_status": status,
            "web_seconds": seconds,
            "job_seconds": round(time.perf_counter() - started, 1),
            "job_outcome": outcome[:300],
        }
    return {"uploads": uploads, "panel": hostile_comments(browser, token)}


def hostile_comments(browser, token):
    _s, page, _h = browser.get("/w/hostile/")
    report_url = re.search(r'href="(/r/[0-9a-f-]+/)"', page).group(1)
    _s, reading, _h = browser.get(report_url)
    passage = re.search(r'/p/([0-9a-f-]+)/panel/', reading).group(1)
    statuses = []
    for _ in range(16):
        statuses.append(
            browser.request(
                f"/p/{passage}/comments/",
                {"body": expensive_comment(20_000), "csrfmiddlewaretoken": token},
                headers={"HX-Request": "true"},
            )[0]
        )
    (status, _text, _h), seconds = timed(browser.get, f"/p/{passage}/panel/")
    (offset_status, _t, _h), _ = timed(browser.get, report_url + "?offset=9999999999999999999999999")
    return {
        "comment_posts": statuses,
        "web_status": status,
        "web_seconds": seconds,
        "huge_offset_status": offset_status,
    }


if __name__ == "__main__":
    main()
