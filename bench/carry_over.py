"""Carry-over of a report's annotations to its next version: a generated 1,000-passage report
with about 5,000 annotations, revised (sentences edited, paragraphs inserted and deleted, a
section moved, a paragraph split), timed through `versioning.annotations_carry_over`.

    make bench-versions     # or: DATABASE_URL=... python bench/carry_over.py; `make bench` runs it too
"""

import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from annotations.management.commands.generate_corpus import _paragraph  # noqa: E402
from annotations.models import (  # noqa: E402
    Comment,
    Highlight,
    Orphan,
    Passage,
    Report,
    Section,
    SourceLink,
    TaggedHighlight,
    TaggedPassage,
    Work,
)
from annotations.versioning import annotations_carry_over  # noqa: E402

PASSAGES = 1000
WORKSPACE = "versions-bench"


def annotation_count(report):
    return sum(
        model.objects.filter(**{path: report}).count()
        for model, path in (
            (TaggedPassage, "content_object__report"),
            (Highlight, "passage__report"),
            (TaggedHighlight, "content_object__passage__report"),
            (Comment, "passage__report"),
            (SourceLink, "passage__report"),
        )
    )


def revised_texts(passages, rng):
    """(section index, kind, label, text) of the next version."""
    rows = [[p.section_id, p.kind, p.label, p.text] for p in passages]
    body = [k for k, p in enumerate(passages) if p.kind != Passage.Kind.NOTE]
    rng.shuffle(body)
    for k in body[:100]:  # edited sentences
        words = rows[k][3].split(" ")
        words[rng.randrange(len(words))] = rng.choice(["notably", "regional", "bilateral", "however"])
        rows[k][3] = " ".join(words)
    for k in body[100:120]:  # deleted paragraphs
        rows[k] = None
    for k in body[120:130]:  # split paragraphs
        text = rows[k][3]
        cut = text.find(". ", len(text) // 3)
        if cut > 0:
            rows[k] = [rows[k], [rows[k][0], rows[k][1], "", text[cut + 2 :]]]
            rows[k][0] = [rows[k][0][0], rows[k][0][1], rows[k][0][2], text[: cut + 1]]
    flat = []
    for row in rows:
        if row is None:
            continue
        flat.extend(row if isinstance(row[0], list) else [row])
    for _ in range(20):  # inserted paragraphs
        at = rng.randrange(len(flat))
        flat.insert(at, [flat[at][0], Passage.Kind.PARAGRAPH, "", _paragraph(rng, 3)])
    block = flat[100:160]  # a moved section's worth of passages
    del flat[100:160]
    return flat[:400] + block + flat[400:]


@transaction.atomic
def new_version(old, rng):
    work = old.work or Work.objects.create(workspace=old.workspace, title=old.title)
    Report.objects.filter(pk=old.pk).update(work=work, is_latest=False)
    new = Report.objects.create(
        workspace=old.workspace, title=old.title, slug=f"{old.slug}-v2", work=work, version_number=2
    )
    sections = {s.pk: Section.objects.create(report=new, order=s.order, title=s.title) for s in old.sections.all()}
    passages = list(old.passages.order_by("order"))
    rows = revised_texts(passages, rng)
    Passage.objects.bulk_create(
        Passage(report=new, section=sections.get(section), order=n, kind=kind, label=label, text=text)
        for n, (section, kind, label, text) in enumerate(rows, start=1)
    )
    old.refresh_from_db()
    return new


def main():
    call_command(
        "generate_corpus", "--reports", "1", "--passages-per-report", str(PASSAGES), "--workspace", WORKSPACE,
        "--seed", "3", "--tags-per-passage", "1.6", "--highlights-per-passage", "1.2",
        "--comments-per-passage", "1.2", "--links-per-passage", "0.5", stdout=sys.stderr,
    )  # fmt: skip
    old = Report.objects.filter(workspace__slug=WORKSPACE).latest("pk")
    new = new_version(old, random.Random(3))
    annotations = annotation_count(old)
    started = time.perf_counter()
    result = annotations_carry_over(old_report=old, new_report=new)
    seconds = time.perf_counter() - started
    return {
        "passages": old.passages.count(),
        "annotations": annotations,
        "seconds": round(seconds, 2),
        "carried": {
            "tag_links": result.tag_links,
            "highlights": result.highlights,
            "comments": result.comments,
            "source_links": result.source_links,
        },
        "orphans": Orphan.objects.filter(report=new).count(),
    }


if __name__ == "__main__":
    json.dump(main(), sys.stdout)
    print()
