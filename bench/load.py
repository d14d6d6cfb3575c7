"""Load and fault test: gunicorn + PostgreSQL on 127.0.0.1, simulated annotators, no lost writes.

    .venv/bin/python bench/load.py                               # 20 annotators for 60 s
    .venv/bin/python bench/load.py --restart-postgres-at 20      # ... and restart PostgreSQL at 20 s

Prepares a database from scratch (drop, create, migrate, seed_demo, one annotator account per
simulated user), starts gunicorn with production settings (DEBUG=0, as behind a TLS-terminating
proxy: requests carry X-Forwarded-Proto: https), and lets each annotator log in and then loop:
read the report list, the reading view, filter it, open a passage's panel, and add tags, comments
and source links through the same POST endpoints (with CSRF tokens) the browser's htmx forms use.
Every write the server acknowledged (200 with no refusal in the panel) is recorded; after the run
the script looks each one up in the database. It prints one JSON object: requests/s, latency
percentiles, status counts, server errors, lost writes, and with --restart-postgres-at what failed
while PostgreSQL was down and when the app answered again.

Standard library only (plus Django and psycopg2 from the runtime requirements, to prepare and
check the database); not part of the runtime requirements.
"""

import argparse
import html
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path

from browser import multipart
from common import free_port, percentile

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/annotations_load"
PASSWORD = "load-test-password-1"
# Tag names and source URLs are shared by all users, so adding tags and new sources races.
TAG_NAMES = [f"load theme {i}" for i in range(12)]
SOURCE_URLS = [f"https://example.org/load/source-{i}" for i in range(40)]
RELATIONS = ["cites", "supports", "contradicts", "context"]
FILTERS = ["tag=SCO", "status=open", "q=China", "open=1", "tag=three+evils&status=open", "by=analyst"]
# Kinds of action and how often an annotator picks each one (reads dominate, as in real use).
ACTIONS = {"report_list": 1, "reading": 2, "filter": 2, "panel": 3, "tag": 2, "comment": 2, "source": 1}
REFUSED = re.compile(r'class="error" role="alert">([^<]*)<')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--users", type=int, default=20, help="simulated annotators (default 20)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker, gthread (default 2)")
    parser.add_argument("--think-ms", type=float, default=0, help="pause between a user's requests (default 0)")
    parser.add_argument("--restart-postgres-at", type=float, metavar="SECONDS", help="restart PostgreSQL then")
    parser.add_argument(
        "--upload-every", type=float, default=5, metavar="SECONDS", help="a curator uploads a report (default 5)"
    )
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


# --- Preparing the database (in this process, through Django) --------------------------------


def create_database(url):
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(url)
    if not config["ENGINE"].endswith("postgresql"):
        sys.exit("bench/load.py needs a PostgreSQL DATABASE_URL")
    admin = psycopg2.connect(
        dbname="postgres", user=config["USER"], password=config["PASSWORD"], host=config["HOST"], port=config["PORT"]
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    admin.close()


def prepare(args):
    """A fresh database with the demo data and one annotator per simulated user; returns what
    the users need: the demo report's uuid and its passages' uuids."""
    create_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    os.environ.setdefault("DEBUG", "1")  # this process only seeds the database
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    from annotations.models import Membership, Passage, Report, Role, Workspace

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))
    workspace = Workspace.objects.get(slug="demo")
    password = make_password(PASSWORD)  # hashed once: the same password for every load user
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"load{i:02}", password=password) for i in range(1, args.users + 1)
    )
    Membership.objects.bulk_create(Membership(workspace=workspace, user=u, role=Role.ANNOTATOR) for u in users)
    curator = get_user_model().objects.create(username="loadcurator", password=password)
    Membership.objects.create(workspace=workspace, user=curator, role=Role.CURATOR)
    report = Report.objects.get(workspace=workspace)
    passages = [str(u) for u in Passage.objects.filter(report=report).order_by("order").values_list("uuid", flat=True)]
    connection.close()
    return {"workspace": workspace.slug, "report": str(report.uuid), "passages": passages}


def verify(writes):
    """Look every acknowledged write up in the database. Returns the missing ones, the duplicated
    ones, and how many comments were saved although the client got no acknowledgement (a request
    that failed after its commit: not wrong, but worth knowing)."""
    from django.db import connection

    from annotations.models import Comment, SourceLink, TaggedPassage

    connection.close()  # PostgreSQL may have restarted since prepare()
    tags = {
        (str(p), name.lower())
        for p, name in TaggedPassage.objects.filter(tag__name__startswith="load theme").values_list(
            "content_object__uuid", "tag__name"
        )
    }
    comments = Counter(
        (str(p), body)
        for p, body in Comment.objects.filter(body__startswith="load:").values_list("passage__uuid", "body")
    )
    links = {
        (str(p), f"{url} {relation}")
        for p, url, relation in SourceLink.objects.filter(
            source__url__startswith="https://example.org/load/"
        ).values_list("passage__uuid", "source__url", "relation")
    }
    lost, duplicated = [], []
    for write in writes:
        key = (write["passage"], write["key"])
        if write["kind"] == "tag":
            found = (key[0], key[1].lower()) in tags
        elif write["kind"] == "comment":
            found = comments[key] > 0
            if comments[key] > 1:
                duplicated.append(write)
        else:
            found = key in links
        if not found:
            lost.append(write)
    unacknowledged = sum(comments.values()) - sum(1 for w in writes if w["kind"] == "comment")
    return lost, duplicated, unacknowledged


# --- The server --------------------------------------------------------------------------------


def server_environment(args):
    return {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DEBUG": "0",
        "SECRET_KEY": "load-test-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXIES": "127.0.0.1",  # the simulated TLS-terminating proxy sets X-Forwarded-Proto
        "JOBS_SQLITE_PATH": str(Path(tempfile.gettempdir()) / "annotations-load-jobs.sqlite3"),
        "JOBS_IMMEDIATE": "0",
        "LOG_LEVEL": "ERROR",
    }


def start_server(args, port, log):
    env = server_environment(args)
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    gunicorn = [python, "-m", "gunicorn", "project.wsgi", "--bind", f"127.0.0.1:{port}"]
    gunicorn += ["--workers", str(args.workers), "--worker-class", "gthread", "--threads", str(args.threads)]
    Path(env["JOBS_SQLITE_PATH"]).unlink(missing_ok=True)
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    # The job worker: uploads are imported in the background.
    worker = [python, "manage.py", "run_huey", "--workers", "2"]
    server.worker = subprocess.Popen(worker, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/accounts/login/", headers={"X-Forwarded-Proto": "https"})
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    sys.exit("gunicorn did not start; see its log")


def stop_server(server):
    for process in (server, server.worker):
        os.killpg(process.pid, signal.SIGTERM)
    for process in (server, server.worker):
        process.wait(timeout=60)


# --- The simulated annotators ------------------------------------------------------------------


class Browser:
    """Just enough of a browser: cookies (Secure ones too: TLS ends at the imagined proxy), CSRF
    tokens, the headers htmx sends, and a record of every request."""

    def __init__(self, port, log):
        self.port, self.log = port, log
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies = {}
        self.location = None

    def request(self, kind, method, path, form=None, htmx=False, file=None):
        """`file`: (name, bytes) sent with the form as a multipart upload."""
        headers = {"X-Forwarded-Proto": "https", "Referer": self.origin + "/", "Origin": self.origin}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if htmx:
            headers["HX-Request"] = "true"
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            if file is not None:
                body, headers["Content-Type"] = multipart(form, *file)
            else:
                body = urllib.parse.urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        status, text = "connection", ""
        try:
            connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            status = response.status
            self.location = response.headers.get("Location")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            connection.close()
        except OSError:
            pass
        self.log.append((kind, status, started, time.monotonic() - started))
        return status, text


def annotator(number, plan, port, start_at, stop_at, think, log, writes, refused, seed):
    rng = random.Random(seed * 1000 + number)
    browser = Browser(port, log)
    browser.request("login", "GET", "/accounts/login/")
    status, _ = browser.request(
        "login", "POST", "/accounts/login/", form={"username": f"load{number:02}", "password": PASSWORD}
    )
    if status != 302:
        raise RuntimeError(f"load{number:02} could not log in (HTTP {status})")
    while time.monotonic() < start_at:
        time.sleep(0.01)
    kinds, weights = zip(*ACTIONS.items(), strict=True)
    done = 0
    while time.monotonic() < stop_at:
        kind = rng.choices(kinds, weights)[0]
        passage = rng.choice(plan["passages"])
        if kind == "report_list":
            browser.request(kind, "GET", f"/w/{plan['workspace']}/")
        elif kind == "reading":
            browser.request(kind, "GET", f"/r/{plan['report']}/")
        elif kind == "filter":
            browser.request(kind, "GET", f"/r/{plan['report']}/?{rng.choice(FILTERS)}")
        elif kind == "panel":
            browser.request(kind, "GET", f"/p/{passage}/panel/", htmx=True)
        else:
            done += 1
            if kind == "tag":
                key = rng.choice(TAG_NAMES)
                form, path = {"name": key}, f"/p/{passage}/tags/add/"
            elif kind == "comment":
                key = f"load: note {done} by load{number:02} on <{passage[:8]}> & “quotes” 🚩"
                form, path = {"body": key}, f"/p/{passage}/comments/"
            else:
                url, relation = rng.choice(SOURCE_URLS), rng.choice(RELATIONS)
                key = f"{url} {relation}"
                form = {"url": url, "title": f"Load source {url[-2:]}", "kind": "other", "relation": relation}
                path = f"/p/{passage}/sources/"
            status, text = browser.request(kind, "POST", path, form=form, htmx=True)
            refusal = REFUSED.search(text)
            if status == 200 and not refusal:
                writes.append({"kind": kind, "passage": passage, "key": key, "user": number})
            elif status == 200:
                refused.append(html.unescape(refusal.group(1)))
        if think:
            time.sleep(think)


def uploader(plan, port, start_at, stop_at, every, log, jobs):
    """A curator uploads a new report every `every` seconds while the annotators work; each upload
    answers at once and its job runs in the background (the job URLs go to `jobs`)."""
    browser = Browser(port, log)
    browser.request("login", "GET", "/accounts/login/")
    browser.request("login", "POST", "/accounts/login/", form={"username": "loadcurator", "password": PASSWORD})
    while time.monotonic() < start_at:
        time.sleep(0.01)
    number = 0
    while time.monotonic() < stop_at:
        number += 1
        text = f"Load report {number}\n\n" + "".join(f"Paragraph {i} of load report {number}.\n\n" for i in range(300))
        form = {"title": f"Load report {number}"}
        status, _ = browser.request(
            "upload", "POST", f"/w/{plan['workspace']}/upload/", form=form, file=(f"load-{number}.txt", text.encode())
        )
        if status == 302:
            jobs.append(browser.location)
        time.sleep(every)


def job_outcomes(port, jobs, log, seconds=180):
    """Wait for the uploads' jobs to end (polling as the job page does); their outcomes."""
    browser = Browser(port, [])
    browser.request("login", "GET", "/accounts/login/")
    browser.request("login", "POST", "/accounts/login/", form={"username": "loadcurator", "password": PASSWORD})
    outcomes, deadline = Counter(), time.monotonic() + seconds
    for url in jobs:
        while True:
            status, text = browser.request("job", "GET", url, htmx=True)
            if "hx-trigger" not in text or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        outcomes["succeeded" if "Imported" in text else "failed" if 'role="alert"' in text else "unfinished"] += 1
    uploads = [entry for entry in log if entry[0] == "upload"]
    return {
        "uploaded": len(jobs),
        "upload_statuses": dict(Counter(str(entry[1]) for entry in uploads)),
        "upload_p95_ms": millis(percentile([entry[3] for entry in uploads], 0.95)),
        "jobs": dict(outcomes),
    }


def restart_postgres(at, window):
    time.sleep(at)
    window["down_from"] = time.monotonic()
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    result = subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], capture_output=True, text=True
    )
    window["up_at"] = time.monotonic()
    window["returncode"] = result.returncode
    window["output"] = (result.stdout + result.stderr).strip()


# --- Figures -----------------------------------------------------------------------------------


def millis(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def summarise(log, start_at, stop_at):
    timed = [entry for entry in log if entry[0] != "login" and start_at <= entry[2] < stop_at]
    latencies = [entry[3] for entry in timed]
    statuses = Counter(str(entry[1]) for entry in timed)
    by_kind = {}
    for kind in ACTIONS:
        of_kind = [entry[3] for entry in timed if entry[0] == kind]
        by_kind[kind] = {"requests": len(of_kind), "p50_ms": millis(percentile(of_kind, 0.5))}
        by_kind[kind]["p95_ms"] = millis(percentile(of_kind, 0.95))
    return {
        "requests": len(timed),
        "requests_per_s": round(len(timed) / (stop_at - start_at), 1),
        "latency_ms": {
            "p50": millis(percentile(latencies, 0.5)),
            "p95": millis(percentile(latencies, 0.95)),
            "p99": millis(percentile(latencies, 0.99)),
            "max": millis(max(latencies, default=None)),
            "mean": millis(statistics.fmean(latencies)) if latencies else None,
        },
        "status_counts": dict(sorted(statuses.items())),
        "errors_by_status": {s: n for s, n in sorted(statuses.items()) if s == "connection" or int(s) >= 400},
        "by_kind": by_kind,
    }


def fault_summary(log, window, stop_at):
    """How requests fared around the restart: failures must fall inside the outage (from the
    restart command until the first success after it) and the app must answer again by itself."""
    down_from, up_at = window["down_from"], window["up_at"]
    failed = [e for e in log if e[0] != "login" and (e[1] == "connection" or int(e[1]) >= 500)]
    after = sorted((e for e in log if e[2] >= up_at and e[1] != "connection" and int(e[1]) < 500), key=lambda e: e[2])
    recovered_at = after[0][2] + after[0][3] if after else None
    outage_end = recovered_at or stop_at
    inside = [e for e in failed if down_from - 1 <= e[2] + e[3] and e[2] <= outage_end]
    outside = [e for e in failed if e not in inside]
    return {
        "restart_command_s": round(up_at - down_from, 2),
        "requests_failing_for_s": round(max(e[2] + e[3] for e in failed) - min(e[2] for e in failed), 2)
        if failed
        else 0,
        "restart_returncode": window["returncode"],
        "failures_during_outage": dict(Counter(str(e[1]) for e in inside)),
        "failures_outside_outage": dict(Counter(str(e[1]) for e in outside)),
        "first_success_after_restart_s": None if recovered_at is None else round(recovered_at - up_at, 2),
        "requests_after_recovery": len(after),
        "server_errors_after_recovery": sum(1 for e in failed if recovered_at and e[2] > recovered_at),
    }


def main():
    args = parse_args()
    plan = prepare(args)
    port = free_port()
    server_log = Path(tempfile.gettempdir()) / "annotations-load-server.log"
    with open(server_log, "w") as log_file:
        server = start_server(args, port, log_file)
        log, writes, refused = [], [], []
        try:
            start_at = time.monotonic() + 5  # time for every user to log in first
            stop_at = start_at + args.duration
            threads = [
                threading.Thread(
                    target=annotator,
                    args=(n, plan, port, start_at, stop_at, args.think_ms / 1000, log, writes, refused, args.seed),
                )
                for n in range(1, args.users + 1)
            ]
            jobs = []
            threads.append(
                threading.Thread(target=uploader, args=(plan, port, start_at, stop_at, args.upload_every, log, jobs))
            )
            window = {}
            if args.restart_postgres_at is not None:
                delay = start_at - time.monotonic() + args.restart_postgres_at
                threads.append(threading.Thread(target=restart_postgres, args=(delay, window)))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            uploads = job_outcomes(port, jobs, log)
        finally:
            stop_server(server)
    lost, duplicated, unacknowledged = verify(writes)
    result = {
        "config": {
            "users": args.users,
            "duration_s": args.duration,
            "gunicorn": f"{args.workers} workers x {args.threads} threads (gthread)",
            "think_ms": args.think_ms,
            "restart_postgres_at_s": args.restart_postgres_at,
        },
        **summarise(log, start_at, stop_at),
        "server_errors": sum(1 for e in log if e[1] != "connection" and int(e[1]) >= 500),
        "writes": {
            "acknowledged": len(writes),
            "by_kind": dict(Counter(w["kind"] for w in writes)),
            "refused_with_message": dict(Counter(refused)),
            "lost": len(lost),
            "lost_examples": lost[:5],
            "duplicated": len(duplicated),
            "saved_without_acknowledgement": unacknowledged,
        },
        "uploads_in_flight": uploads,
        "server_log": str(server_log),
    }
    if window:
        result["restart"] = fault_summary(log, window, stop_at)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if not lost else 1


if __name__ == "__main__":
    sys.exit(main())
