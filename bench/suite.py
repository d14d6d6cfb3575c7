"""The benchmark figures for one database, printed as JSON on stdout (bench/run.py runs it once
per database with DATABASE_URL set; progress goes to stderr).

Figures whose feature is not on this branch yet (a command or URL missing) are reported as
{"skipped": "<why>"} rather than failing the run.
"""

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django  # noqa: E402

django.setup()

from django.core.management import get_commands  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from annotations.management.commands import generate_corpus as corpus  # noqa: E402
from annotations.models import Comment, Passage, Report, SourceLink, TaggedPassage, Workspace  # noqa: E402
from annotations.search import _backend, parse_query, search  # noqa: E402
from bench import api, carry_over, loadgen  # noqa: E402
from bench.common import free_port  # noqa: E402

SEARCH_PASSAGES = int(os.environ.get("BENCH_PASSAGES", "100000"))
PASSAGES_PER_REPORT = 1000
# The seed report as the repository ships it, or the shared copy next to the checkout.
SEED_REPORTS = (
    ROOT / "fixtures/reports/china-security-engagement-central-asia-2015-hearing.txt",
    ROOT.parent / "shared/reports/000_4c89b29bd782fcae.txt",
)

# A fixed list: rare and common words, names, phrases, alternatives, exclusions, other scripts,
# and a query that matches nothing.
QUERIES = [
    "Kashgar",
    "security",
    "pipelines",
    "Huawei",
    "Wakhan Corridor",
    "Fergana Valley",
    '"energy pipelines"',
    '"joint military exercises"',
    '"Belt and Road Initiative"',
    "Huawei or ZTE",
    "Putin or Xi",
    "pipelines -Russia",
    'security -"Central Asia"',
    "Xinjiang surveillance",
    "一带一路",
    "Шанхайская",
    "counter-terrorism",
    "People's Liberation Army",
    "hydropower Dushanbe",
    "debt financing Bishkek",
    "narcotics Afghan border",
    "CNPC Sinopec",
    "customs modernisation",
    '"smart-city platforms"',
    "intelligence sharing Moscow",
    "peacekeeping",
    "Gwadar or Khorgos",
    "water management -hydropower",
    "labour migration Russia",
    "fiber-optic cables",
    "uranium",
    "Kilimanjaro",
    "Nazarbayev Astana",
]


def log(message):
    print(f"[{connection.vendor}] {message}", file=sys.stderr, flush=True)


def ms(seconds):
    return round(seconds * 1000, 1)


def summary(samples):
    return {
        "median_ms": ms(statistics.median(samples)),
        "p95_ms": ms(loadgen.percentile(samples, 0.95)),
        "max_ms": ms(max(samples)),
        "samples": len(samples),
    }


def manage(*args, env=None):
    """Run a manage.py command in a fresh process: (seconds, peak RSS in MB, stdout)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as rss:
        command = [sys.executable, "bench/peak_rss.py", rss.name, sys.executable, "manage.py", *args]
        started = time.perf_counter()
        returncode = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=err).returncode
        elapsed = time.perf_counter() - started
        if returncode:
            err.seek(0)
            raise RuntimeError(f"manage.py {' '.join(args)} failed: {err.read().decode()[-2000:]}")
        out.seek(0)
        return elapsed, round(int(Path(rss.name).read_text()) / 1024, 1), out.read().decode()


def has_command(name):
    return name in get_commands()


def member(slug):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=f"{slug}-annotator-1")


def generate():
    log(f"generating {SEARCH_PASSAGES} passages")
    seconds, rss, out = manage(
        "generate_corpus", "--reports", str(SEARCH_PASSAGES // PASSAGES_PER_REPORT),
        "--passages-per-report", str(PASSAGES_PER_REPORT), "--workspace", "bench", "--seed", "1",
    )  # fmt: skip
    log("generating the reading-view report")
    manage(
        "generate_corpus", "--reports", "1", "--passages-per-report", "1000", "--workspace", "reading",
        "--seed", "2", "--tags-per-passage", "5", "--comments-per-passage", "2", "--links-per-passage", "0.5",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {
        "passages": SEARCH_PASSAGES,
        "seconds": round(seconds, 1),
        "passages_per_second": round(SEARCH_PASSAGES / seconds),
        "peak_rss_mb": rss,
        "output": out.strip(),
    }


def bench_search():
    user = member("bench")
    timings, per_query = [], {}
    for query in QUERIES:  # warm-up round: caches, plans
        search(query, user=user)
    for _round in range(3):
        for query in QUERIES:
            started = time.perf_counter()
            search(query, user=user)
            elapsed = time.perf_counter() - started
            timings.append(elapsed)
            per_query.setdefault(query, {"ms": []})["ms"].append(ms(elapsed))
    for query, details in per_query.items():  # not timed: search() counts only up to COUNT_LIMIT
        details["matches"] = _backend(parse_query(query)).matching(Passage.objects.all(), "text").count()
    slowest = sorted(per_query.items(), key=lambda item: -statistics.median(item[1]["ms"]))[:5]
    figures = {
        "queries": len(QUERIES),
        "rounds": 3,
        "what": "search() end to end: three ranked queries (passages, comments, sources) + page fetch with snippets",
        **summary(timings),
        "slowest": {
            query: {"median_ms": statistics.median(d["ms"]), "passages_matching": d["matches"]} for query, d in slowest
        },  # fmt: skip
        "passages_matching_median": statistics.median(d["matches"] for d in per_query.values()),
    }
    client = Client()
    client.force_login(user)
    page_timings = []
    for query in QUERIES:
        started = time.perf_counter()
        response = client.get(reverse("annotations:search"), {"q": query})
        page_timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("annotations:search"), {"q": "security"})
    figures["search_page"] = {**summary(page_timings), "sql_queries": len(queries)}
    if connection.vendor == "postgresql":
        figures["explain"] = explain(user)
    return figures


def explain(user):
    """The plan of the passage ranking query, and whether it reads the GIN index."""
    matches = _backend(parse_query("Kashgar")).matching(Passage.objects.visible_to(user), "text")
    plan = matches.order_by("-score").values_list("pk", "score")[:20].explain(analyze=True)
    return {
        "query": "Kashgar",
        "gin_index_used": "annotations_passage_search_vector" in plan,
        "plan": plan.splitlines(),
    }


def reading_view():
    report = Report.objects.get(workspace__slug="reading")
    try:
        url = reverse("annotations:report-read", args=[report.uuid])
    except NoReverseMatch:
        return {"skipped": "URL annotations:report-read does not exist on this branch yet (browser UI issue)"}
    client = Client()
    client.force_login(member("reading"))
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    timings = []
    for _ in range(25):
        started = time.perf_counter()
        client.get(url)
        timings.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return {
        "passages": report.passages.count(),
        "tag_links": TaggedPassage.objects.filter(content_object__report=report).count(),
        "comments": Comment.objects.filter(passage__report=report).count(),
        "source_links": SourceLink.objects.filter(passage__report=report).count(),
        "server_time": summary(timings),
        "sql_queries": len(queries),
        "response_bytes": len(response.content),
        # The reading view sends the first chunk of passages; the rest load as the reader scrolls.
        "passages_in_first_response": response.content.decode().count('id="p-'),
    }


def page_figures(client, url, params=None, rounds=10):
    """Server time, SQL queries and size of one page, as a signed-in member sees it."""
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        client.get(url, params)
        timings.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    return {"server_time": summary(timings), "sql_queries": len(queries), "response_bytes": len(response.content)}


def report_pages():
    """The 1,000-passage report's other pages, each with the query budget its test holds it to
    (tests/test_query_budgets.py): the first chunk cold (fragments rendered) and warm (from the
    cache), an unchanged reading view (304), the heat map, the codebook page and a search."""
    from django.core.cache import cache

    report = Report.objects.get(workspace__slug="reading")
    client = Client()
    client.force_login(member("reading"))
    url = reverse("annotations:report-read", args=[report.uuid])
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        cold = client.get(url)
        cold_ms = ms(time.perf_counter() - started)
    etag = cold["ETag"]
    started = time.perf_counter()
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=etag)
    return {
        "first_chunk_cold": {"server_ms": cold_ms, "sql_queries": len(queries), "response_bytes": len(cold.content)},
        "first_chunk_warm": page_figures(client, url),
        "first_chunk_unchanged_304": {"status": unchanged.status_code, "server_ms": ms(time.perf_counter() - started)},
        "heat_map": page_figures(client, reverse("annotations:report-heatmap", args=[report.uuid])),
        "codebook": page_figures(client, reverse("annotations:tag-list", args=[report.workspace.slug])),
        "search": page_figures(client, reverse("annotations:search"), {"q": "security"}),
    }


def api_passages():
    return api.measure(Report.objects.get(workspace__slug="reading"), member("reading"))


def two_megabyte_report(path):
    """A plain-text report of about 2 MB: title, numbered headings, paragraphs, list items."""
    rng = random.Random(5)
    lines = ["Synthetic testimony on security engagement in Central Asia", ""]
    size, section = 0, 0
    while size < 2 * 1024 * 1024:
        section += 1
        lines += [f"{section}. {rng.choice(corpus.SECTION_TITLES)}", ""]
        for _ in range(12):
            paragraph = corpus._paragraph(rng, rng.randint(3, 7))
            lines += [paragraph, ""]
            size += len(paragraph.encode()) + 1
    path.write_text("\n".join(lines), encoding="utf-8")
    return path.stat().st_size


def import_throughput(tmp):
    if not has_command("import_report"):
        return {"skipped": "import_report is not on this branch yet (importer issue)"}
    Workspace.objects.get_or_create(slug="imports", defaults={"name": "Imports"})
    seed = next((path for path in SEED_REPORTS if path.exists()), None)
    figures = {}
    files = {"2mb": tmp / "two-megabytes.txt"}
    two_megabyte_report(files["2mb"])
    if seed:
        files = {"seed": seed, **files}
    for name, path in files.items():
        before = Passage.objects.count()
        seconds, rss, _out = manage("import_report", str(path), "--workspace", "imports")
        passages = Passage.objects.count() - before
        figures[name] = {
            "bytes": path.stat().st_size,
            "seconds": round(seconds, 2),
            "megabytes_per_second": round(path.stat().st_size / 1024 / 1024 / seconds, 2),
            "passages": passages,
            "passages_per_second": round(passages / seconds),
            "peak_rss_mb": rss,
        }
    return figures


def fixtures(tmp, fresh_database_url):
    if not (has_command("export_fixture") and has_command("import_fixture")):
        return {"skipped": "export_fixture/import_fixture are not on this branch yet (sharing issue)"}
    target = tmp / "bench.json"
    seconds, rss, _out = manage("export_fixture", "--workspace", "bench", "-o", str(target))
    figures = {"export": {"passages": SEARCH_PASSAGES, "seconds": round(seconds, 1), "peak_rss_mb": rss,
                          "bytes": target.stat().st_size}}  # fmt: skip
    env = {**os.environ, "DATABASE_URL": fresh_database_url}
    manage("migrate", "--verbosity", "0", env=env)
    seconds, rss, _out = manage("import_fixture", str(target), env=env)
    figures["import"] = {"seconds": round(seconds, 1), "peak_rss_mb": rss, "into": "an empty, migrated database"}
    return figures


def gunicorn():
    """Requests/s under gunicorn (2 sync workers, production settings) from threads on loopback."""
    try:
        reading = reverse("annotations:report-read", args=[Report.objects.get(workspace__slug="reading").uuid])
    except NoReverseMatch:
        reading = None
    client = Client()
    client.force_login(member("bench"))
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    reading_client = Client()
    reading_client.force_login(member("reading"))
    reading_cookie = f"sessionid={reading_client.cookies['sessionid'].value}"
    port = free_port()
    # Production settings; the sessions made above were signed with this process's SECRET_KEY,
    # which run.py sets, so the server accepts them.
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0"}
    manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
    errors = tempfile.TemporaryFile()
    command = ["gunicorn", "project.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "error"]
    server = subprocess.Popen([sys.executable, "-m", *command], cwd=ROOT, env=env, stdout=errors, stderr=errors)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        figures = {"workers": 2, "load_generator": "bench/loadgen.py, 4 threads, http.client, same 2-core machine"}
        search_path = reverse("annotations:search") + "?q=pipelines+-Russia"
        loadgen.run("127.0.0.1", port, search_path, cookie=cookie, threads=4, seconds=2)  # warm-up
        figures["search_page"] = loadgen.run("127.0.0.1", port, search_path, cookie=cookie, threads=4, seconds=10)
        if reading is None:
            figures["reading_view"] = {"skipped": "URL annotations:report-read does not exist on this branch yet"}
        else:
            loadgen.run("127.0.0.1", port, reading, cookie=reading_cookie, threads=4, seconds=2)
            figures["reading_view"] = loadgen.run("127.0.0.1", port, reading, cookie=reading_cookie, seconds=10)
        if any(result.get("errors") for result in figures.values() if isinstance(result, dict)):
            errors.seek(0)
            figures["server_errors_tail"] = errors.read().decode()[-1500:]
        return figures
    finally:
        server.terminate()
        server.wait(timeout=30)
        errors.close()


def main():
    fresh_database_url = sys.argv[1]
    report = {"database": connection.vendor}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        steps = [
            ("generate_corpus", generate),
            ("search_100k", bench_search),
            ("reading_view", reading_view),
            ("report_pages_1000", report_pages),
            ("api_passages_1000", api_passages),
            ("import_report", lambda: import_throughput(tmp)),
            ("fixtures_100k", lambda: fixtures(tmp, fresh_database_url)),
            ("gunicorn", gunicorn),
            ("version_carry_over", carry_over.main),
        ]
        for name, step in steps:
            log(name)
            report[name] = step()
    json.dump(report, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
