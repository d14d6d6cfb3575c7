"""`make bench-peer`: our reading view and highlight writes side by side with Taguette's.

    .venv/bin/python bench/peer_taguette.py                     # 1,000 and 5,000 highlights, 5 rounds
    .venv/bin/python bench/peer_taguette.py --highlights 1000 --rounds 3 --no-postgres

Taguette (PyPI, version TAGUETTE_VERSION) is installed into its own virtualenv under the temp
folder — never a project dependency — and started in single-user mode on a fresh SQLite file.
Ours runs under gunicorn with one sync worker, DEBUG=0, on a fresh SQLite file and (unless
--no-postgres) on a fresh PostgreSQL database (BENCH_PEER_POSTGRES_URL). All servers listen on
127.0.0.1 only, and every one is stopped at the end.

Both apps get the same document (the seed report: ours imports it as passages, Taguette gets the
same passages as one HTML document), the same 50 tags, and the same highlights (1–3 tags each,
spread over the text; the same spans at the same text positions). Tags go through each app's
own interface (our service, Taguette's API); the bulk of the highlights through each app's
storage (our ORM, Taguette's tables), which is what `--highlights` thousands of requests would
leave behind. Then requests alternate between the servers, round by round:

- open the document: ours is the reading view (one request); Taguette's is what its page loads
  to show a document (the project page, trans.js, the document's highlights, its contents);
- create one highlight (with 2 tags): ours through the htmx form post the browser sends from the
  reading view, Taguette's through its API.

Prints a Markdown table of medians, p90s, response bytes and ratios (Taguette / ours: above 1
means we are faster) to stdout; progress goes to stderr.
"""

import argparse
import html
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from html.parser import HTMLParser
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path

from common import free_port, percentile

ROOT = Path(__file__).resolve().parent.parent
TAGUETTE_VERSION = "1.5.2"
TAG_COUNT = 50
PALETTE = ["#1d4ed8", "#b91c1c", "#7c3aed", "#c2410c", "#15803d", "#0f766e", "#a16207", "#be185d", "#4338ca", "#374151"]
PASSWORD = "peer-bench-password-1"
SECRET_KEY = "peer-bench-only-" + "k" * 50
POSTGRES_URL = os.environ.get("BENCH_PEER_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/annotations_i14_peer")
# Taguette fetches news from its website at start-up; the benchmark stays on 127.0.0.1.
TAGUETTE_LAUNCHER = """
import sys
import taguette.web.base
taguette.web.base.Application.check_messages = lambda self: None
from taguette.main import main
sys.argv = ["taguette", *sys.argv[1:]]
main()
"""


def log(message):
    print(f"[peer] {message}", file=sys.stderr, flush=True)


def wait_for(port, path, headers=None, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path, headers=headers or {})
            if connection.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}{path}")


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Client:
    """One browser's worth of HTTP: cookies, a fresh connection per request (as both apps are
    measured the same way), and the time and size of every response."""

    def __init__(self, port, headers=None):
        self.port = port
        self.headers = headers or {}
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        headers = {**self.headers, **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        connection = HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        elapsed = time.perf_counter() - started
        connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, content, elapsed, response.headers


# --- Ours ------------------------------------------------------------------------------------


def ours_env(database_url):
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT),
    }


def django_setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()


def prepare_ours():
    """(In a subprocess with DATABASE_URL set.) Migrate, load the seed report, 50 tags and a user;
    print the report and its passages as JSON."""
    django_setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from annotations import demo, services
    from annotations.models import Membership, Role, Tag

    call_command("migrate", verbosity=0)
    report = demo.build_demo()
    user = get_user_model().objects.create_user("peer", password=PASSWORD)
    Membership.objects.create(workspace=report.workspace, user=user, role=Role.ANNOTATOR)
    workspace = report.workspace
    tags = [services.tag_get_or_create(workspace=workspace, name=f"peer theme {i:02}").name for i in range(TAG_COUNT)]
    for i, name in enumerate(tags):  # a curated codebook has colours, and highlights show them
        Tag.objects.filter(workspace=workspace, name=name).update(color=PALETTE[i % len(PALETTE)])
    passages = [
        {"uuid": str(p.uuid), "text": p.text} for p in report.passages.order_by("order").only("uuid", "text")
    ]
    json.dump({"report": str(report.uuid), "tags": tags, "passages": passages}, sys.stdout)


def add_highlights_ours(plan_file):
    """(In a subprocess with DATABASE_URL set.) Store the planned highlights with their tags."""
    django_setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from annotations.models import Highlight, Passage, Tag, TaggedHighlight

    plan = json.loads(Path(plan_file).read_text())
    user = get_user_model().objects.get(username="peer")
    passages = {str(p.uuid): p for p in Passage.objects.filter(uuid__in={h["passage"] for h in plan["highlights"]})}
    workspace = next(iter(passages.values())).report.workspace
    tags = {t.name: t for t in Tag.objects.filter(workspace=workspace, name__in=plan["tags"])}
    with transaction.atomic():
        highlights = Highlight.objects.bulk_create(
            Highlight(
                passage=passages[h["passage"]],
                start=h["start"],
                end=h["end"],
                created_by=user,
                **Highlight.quote_for(passages[h["passage"]].text, h["start"], h["end"]),
            )
            for h in plan["highlights"]
        )
        TaggedHighlight.objects.bulk_create(
            TaggedHighlight(content_object=highlight, tag=tags[name], added_by=user)
            for highlight, h in zip(highlights, plan["highlights"], strict=True)
            for name in h["tags"]
        )


def recreate_postgres(url):
    import psycopg2
    from psycopg2 import sql

    parts = urllib.parse.urlsplit(url)
    admin = psycopg2.connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        name = sql.Identifier(parts.path.lstrip("/"))
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
    admin.close()


class Ours:
    def __init__(self, label, database_url, tmp):
        self.label, self.database_url, self.tmp = label, database_url, tmp
        self.env = ours_env(database_url)

    def manage_self(self, *args):
        return subprocess.run(
            [sys.executable, __file__, *args], cwd=ROOT, env=self.env, check=True, stdout=subprocess.PIPE
        ).stdout

    def prepare(self):
        self.data = json.loads(self.manage_self("--prepare-ours"))
        return self.data

    def add_highlights(self, highlights):
        plan = Path(self.tmp) / f"plan-{self.label}.json"
        plan.write_text(json.dumps({"tags": self.data["tags"], "highlights": highlights}))
        self.manage_self("--add-highlights-ours", str(plan))

    def start(self):
        self.port = free_port()
        self.log = open(Path(self.tmp) / f"{self.label}.log", "w")
        command = [sys.executable, "-m", "gunicorn", "project.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", "1", "--worker-class", "sync", "--timeout", "300"]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log, start_new_session=True
        )
        origin = f"https://127.0.0.1:{self.port}"
        # TLS ends at an imagined proxy: requests say so, as in production.
        self.client = Client(self.port, {"X-Forwarded-Proto": "https", "Referer": origin + "/", "Origin": origin})
        wait_for(self.port, "/accounts/login/", self.client.headers)
        self.client.request("GET", "/accounts/login/")
        form = {"username": "peer", "password": PASSWORD, "csrfmiddlewaretoken": self.client.cookies["csrftoken"]}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        status, *_ = self.client.request("POST", "/accounts/login/", urllib.parse.urlencode(form), headers)
        assert status == 302, f"{self.label}: login failed ({status})"
        self.reading_url = f"/r/{self.data['report']}/"

    def stop(self):
        stop(self.process)
        self.log.close()

    def open_document(self):
        status, content, elapsed, _ = self.client.request("GET", self.reading_url)
        assert status == 200, status
        return elapsed, len(content), 1

    def create_highlight(self, span):
        form = {
            "start": span["start"],
            "end": span["end"],
            "tags": ", ".join(span["tags"]),
            "csrfmiddlewaretoken": self.client.cookies["csrftoken"],
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "HX-Request": "true",
            "HX-Current-URL": f"https://127.0.0.1:{self.port}{self.reading_url}",
        }
        path = f"/p/{span['passage']}/highlights/"
        status, content, elapsed, _ = self.client.request("POST", path, urllib.parse.urlencode(form), headers)
        assert status == 200 and b'role="alert"' not in content, (status, content[:300])
        return elapsed, len(content), 1


# --- Taguette --------------------------------------------------------------------------------


class TextOf(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


class Taguette:
    label = "taguette"

    def __init__(self, tmp):
        self.tmp = tmp

    def install(self):
        venv = Path(tempfile.gettempdir()) / f"annotations-peer-taguette-{TAGUETTE_VERSION}"
        python = venv / "bin" / "python"
        if not python.exists():
            log(f"installing taguette=={TAGUETTE_VERSION} into {venv}")
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", f"taguette=={TAGUETTE_VERSION}"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.python = python

    def start(self):
        self.port = free_port()
        self.database = Path(self.tmp) / "taguette.sqlite3"
        self.log = open(Path(self.tmp) / "taguette.log", "w")
        command = [str(self.python), "-c", TAGUETTE_LAUNCHER, "--no-browser", "-p", str(self.port)]
        command += ["-b", "127.0.0.1", "--database", str(self.database)]
        self.process = subprocess.Popen(
            command, cwd=self.tmp, stdout=subprocess.PIPE, stderr=self.log, start_new_session=True, text=True
        )
        token = None
        for line in self.process.stdout:  # "... using this link: http://localhost:PORT/?token=..."
            if "?token=" in line:
                token = line.strip().split("?token=")[1]
                break
        assert token, "Taguette did not print its login link"
        self.client = Client(self.port)
        status, *_ = self.client.request("GET", f"/?token={token}")
        assert status in (302, 303) and "user" in self.client.cookies, status

    def stop(self):
        stop(self.process)
        self.log.close()

    def xsrf(self):
        return {"X-XSRFToken": self.client.cookies["_xsrf"]}

    def prepare(self, passages, tag_names):
        """A project with the passages as one HTML document and the 50 tags, through Taguette's
        own forms and API. Returns each passage's offset in the document's text."""
        self.client.request("GET", "/project/new")
        form = {"name": "Peer benchmark", "description": "", "_xsrf": self.client.cookies["_xsrf"]}
        form = urllib.parse.urlencode(form)
        status, _, _, headers = self.client.request(
            "POST", "/project/new", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert status in (302, 303), status
        self.project = int(headers["Location"].rstrip("/").rsplit("/", 1)[1])
        document = "".join(f"<p>{html.escape(p['text'], quote=False)}</p>" for p in passages)
        boundary = "peerbenchboundary7d1c"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nSeed report\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\n\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="seed.html"\r\n'
            f"Content-Type: text/html\r\n\r\n{document}\r\n",
            f"--{boundary}--\r\n",
        ]
        status, content, _, _ = self.client.request(
            "POST",
            f"/api/project/{self.project}/document/new",
            "".join(parts).encode(),
            {"Content-Type": f"multipart/form-data; boundary={boundary}", **self.xsrf()},
        )
        assert status == 200, (status, content[:300])
        self.document = json.loads(content)["created"]
        self.tags = {}
        for name in tag_names:
            body = json.dumps({"path": name, "description": ""})
            headers = {"Content-Type": "application/json", **self.xsrf()}
            status, content, _, _ = self.client.request("POST", f"/api/project/{self.project}/tag/new", body, headers)
            assert status == 200, (status, content[:300])
            self.tags[name] = json.loads(content)["id"]
        # Offsets are counted in the document's text as Taguette stored it.
        _, content, _, _ = self.client.request("GET", f"/api/project/{self.project}/document/{self.document}/contents")
        parser = TextOf()
        parser.feed(json.loads(content)["contents"][0]["contents"])
        text = "".join(parser.parts)
        assert text == "".join(p["text"] for p in passages), "Taguette changed the document's text"
        offsets, position = {}, 0
        for passage in passages:
            offsets[passage["uuid"]] = position
            position += len(passage["text"])
        self.offsets = offsets
        self.text = text

    def add_highlights(self, highlights):
        """The planned highlights, written to Taguette's own tables (what its API would leave)."""
        db = sqlite3.connect(self.database, timeout=30)
        with db:
            for h in highlights:
                start = self.offsets[h["passage"]] + h["start"]
                end = self.offsets[h["passage"]] + h["end"]
                cursor = db.execute(
                    "INSERT INTO highlights (document_id, start_offset, end_offset, snippet) VALUES (?, ?, ?, ?)",
                    (self.document, start, end, html.escape(self.text[start:end])),
                )
                db.executemany(
                    "INSERT INTO highlight_tags (highlight_id, tag_id) VALUES (?, ?)",
                    [(cursor.lastrowid, self.tags[name]) for name in h["tags"]],
                )
        db.close()

    def open_document(self):
        base = f"/api/project/{self.project}/document/{self.document}"
        total, size = 0.0, 0
        for path in (f"/project/{self.project}/document/{self.document}", "/trans.js", base, base + "/contents"):
            status, content, elapsed, _ = self.client.request("GET", path)
            assert status == 200, (path, status)
            total += elapsed
            size += len(content)
        return total, size, 4

    def create_highlight(self, span):
        body = json.dumps(
            {
                "start_offset": self.offsets[span["passage"]] + span["start"],
                "end_offset": self.offsets[span["passage"]] + span["end"],
                "tags": [self.tags[name] for name in span["tags"]],
            }
        )
        path = f"/api/project/{self.project}/document/{self.document}/highlight/new"
        status, content, elapsed, _ = self.client.request(
            "POST", path, body, {"Content-Type": "application/json", **self.xsrf()}
        )
        assert status == 200, (status, content[:300])
        return elapsed, len(content), 1


# --- The plan and the figures ----------------------------------------------------------------


def plan_highlights(passages, tags, count, rng):
    """`count` spans spread over the text: passages picked in proportion to their length, 3–80
    characters long, each with 1–3 tags."""
    weights = [len(p["text"]) for p in passages]
    spans = []
    while len(spans) < count:
        passage = rng.choices(passages, weights)[0]
        text = passage["text"]
        length = min(len(text), rng.randint(3, 80))
        start = rng.randint(0, len(text) - length)
        if not text[start : start + length].strip():
            continue
        chosen = rng.sample(tags, rng.randint(1, 3))
        spans.append({"passage": passage["uuid"], "start": start, "end": start + length, "tags": chosen})
    return spans


def figures(samples):
    times = [s[0] * 1000 for s in samples]
    return {
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(percentile(times, 0.9), 1),
        "bytes": round(statistics.median(s[1] for s in samples)),
        "requests": samples[0][2],
    }


def measure(apps, operation, rounds, rng, spans=None):
    """`rounds` alternating requests per app (a warm-up round first, not counted); the order of
    the apps rotates every round so none always goes first."""
    results = {app.label: [] for app in apps}
    for number in range(rounds + 1):
        order = apps[number % len(apps) :] + apps[: number % len(apps)]
        for app in order:
            sample = app.open_document() if operation == "open" else app.create_highlight(spans.pop())
            if number:
                results[app.label].append(sample)
    return {label: figures(samples) for label, samples in results.items()}


def table(rows, labels):
    ours = [label for label in labels if label != "taguette"]
    head = "| | Taguette | " + " | ".join(f"{label} | ratio" for label in ours) + " |"
    lines = [head, "|---" * (2 + 2 * len(ours)) + "|"]
    for name, result in rows:
        peer = result["taguette"]
        cells = [f"{peer['median_ms']} ms (p90 {peer['p90_ms']}, {peer['bytes']:,} B, {peer['requests']} req)"]
        for label in ours:
            mine = result[label]
            cells.append(f"{mine['median_ms']} ms (p90 {mine['p90_ms']}, {mine['bytes']:,} B)")
            cells.append(f"**{peer['median_ms'] / mine['median_ms']:.2f}×**")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--highlights", default="1000,5000", help="highlight counts, comma-separated (1000,5000)")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per figure (default 5)")
    parser.add_argument("--no-postgres", action="store_true", help="skip ours on PostgreSQL")
    parser.add_argument("--prepare-ours", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--add-highlights-ours", metavar="PLAN", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare_ours:
        return prepare_ours()
    if args.add_highlights_ours:
        return add_highlights_ours(args.add_highlights_ours)

    levels = [int(n) for n in args.highlights.split(",")]
    rng = random.Random(14)
    with tempfile.TemporaryDirectory(prefix="annotations-peer-") as tmp:
        taguette = Taguette(tmp)
        taguette.install()
        ours = [Ours("ours SQLite", f"sqlite:///{tmp}/ours.sqlite3", tmp)]
        if not args.no_postgres:
            recreate_postgres(POSTGRES_URL)
            ours.append(Ours("ours PostgreSQL", POSTGRES_URL, tmp))
        log("preparing our databases")
        for app in ours:
            data = app.prepare()
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT, env=ours[0].env, check=True,
        )  # fmt: skip
        apps = [taguette, *ours]
        started = []
        try:
            taguette.start()
            started.append(taguette)
            taguette.prepare(data["passages"], data["tags"])
            rows, loaded = [], 0
            for level in levels:
                log(f"loading {level} highlights")
                spans = plan_highlights(data["passages"], data["tags"], level - loaded, rng)
                for app in apps:
                    if app in started and app is not taguette:
                        app.stop()
                        started.remove(app)
                    app.add_highlights(spans)
                loaded = level
                for app in ours:
                    app.start()
                    started.append(app)
                log(f"measuring at {level} highlights")
                rows.append((f"open the document, {level:,} highlights", measure(apps, "open", args.rounds, rng)))
                writes = plan_highlights(data["passages"], data["tags"], (args.rounds + 1) * len(apps), rng)
                for span in writes:
                    span["tags"] = rng.sample(data["tags"], 2)
                rows.append(
                    (f"create one highlight, {level:,} highlights", measure(apps, "create", args.rounds, rng, writes))
                )
        finally:
            for app in started:
                app.stop()
    print(f"Taguette {TAGUETTE_VERSION} (single-user) vs ours (gunicorn, 1 sync worker, DEBUG=0); medians of "
          f"{args.rounds} alternating rounds; ratio = Taguette / ours.\n")  # fmt: skip
    print(table(rows, [app.label for app in apps]))


if __name__ == "__main__":
    sys.exit(main())
