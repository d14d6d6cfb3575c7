"""`make bench`: import_fixture's peak memory (resident set size) for a 10,000- and a
100,000-record fixture, each imported into a fresh SQLite database by `manage.py import_fixture`
in its own process. The importer streams the file, so the two peaks should be about the same.

Prints one JSON object: records, file size and peak RSS per fixture, and the ratio of the peaks.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10_000, 100_000)
STAMP = "2026-03-02T09:00:00+00:00"
TEXT = (
    "Passage {i}: China's security engagement with Central Asia has grown through the SCO, joint "
    "exercises and border agreements, while Russia remains the region's main security partner."
)


def fixture_records(total):
    """`total` fixture records: a workspace, a person, a tag, a report, then passages each with a
    tag link, a highlight and a comment (four records per passage)."""
    user, slug, report = "bench", "bench", str(uuid.uuid4())
    head = [
        {"model": "annotations.person", "fields": {"username": user, "first_name": "", "last_name": ""}},
        {"model": "annotations.workspace", "fields": {"name": "Bench", "slug": slug, "changed_at": STAMP}},
        {"model": "annotations.tag", "fields": {"name": "SCO", "workspace": [slug], "changed_at": STAMP}},
        {
            "model": "annotations.report",
            "fields": {
                "uuid": report,
                "title": "Bench report",
                "slug": "bench-report",
                "workspace": [slug],
                "changed_at": STAMP,
            },
        },
    ]
    yield from head
    for i in range((total - len(head)) // 4):
        passage, highlight, text = str(uuid.uuid4()), str(uuid.uuid4()), TEXT.format(i=i)
        yield {
            "model": "annotations.passage",
            "fields": {"uuid": passage, "report": [report], "order": i + 1, "text": text, "changed_at": STAMP},
        }
        yield {
            "model": "annotations.taggedpassage",
            "fields": {"content_object": [passage], "tag": [slug, "SCO"], "added_by": [user], "changed_at": STAMP},
        }
        start = text.index("SCO")
        yield {
            "model": "annotations.highlight",
            "fields": {
                "uuid": highlight,
                "passage": [passage],
                "start": start,
                "end": start + 3,
                "exact": "SCO",
                "prefix": text[max(0, start - 32) : start],
                "suffix": text[start + 3 : start + 35],
                "created_by": [user],
                "changed_at": STAMP,
            },
        }
        yield {
            "model": "annotations.comment",
            "fields": {
                "uuid": str(uuid.uuid4()),
                "passage": [passage],
                "highlight": [highlight],
                "body": f"Comment {i}: worth a footnote in our brief?",
                "author": [user],
                "changed_at": STAMP,
            },
        }


def write_fixture(path, total):
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        lead = "\n"
        for record in fixture_records(total):
            out.write(lead + json.dumps(record, ensure_ascii=False))
            lead = ",\n"
        out.write("\n]\n")
    return path


def main():
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        migrated = tmp / "migrated.sqlite3"
        env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{migrated}"}
        subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
        for total in SIZES:
            fixture = write_fixture(tmp / f"fixture-{total}.json", total)
            database = tmp / f"import-{total}.sqlite3"
            shutil.copy(migrated, database)
            peak_file = tmp / f"peak-{total}"
            subprocess.run(
                [
                    sys.executable,
                    "bench/peak_rss.py",
                    str(peak_file),
                    sys.executable,
                    "manage.py",
                    "import_fixture",
                    str(fixture),
                ],
                cwd=ROOT,
                env={**env, "DATABASE_URL": f"sqlite:///{database}"},
                check=True,
                stdout=subprocess.DEVNULL,
            )
            results[f"{total:,} records"] = {
                "file_mb": round(fixture.stat().st_size / 2**20, 1),
                "peak_rss_mb": round(int(peak_file.read_text()) / 1024, 1),
            }
    small, large = (results[f"{total:,} records"]["peak_rss_mb"] for total in SIZES)
    print(json.dumps({"import_fixture_memory": results, "peak_ratio": round(large / small, 2)}, indent=2))


if __name__ == "__main__":
    main()
