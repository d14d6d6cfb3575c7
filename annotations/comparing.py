"""What changed between two versions of a report: passages added, removed, changed (with a word
diff) and moved, with counts per section, by the same alignment the carry-over uses."""

from collections import Counter
from dataclasses import dataclass, field

from .alignment import align, moved_links, word_diff
from .models import Comment, Highlight, Passage, SourceLink, TaggedPassage
from .versioning import pieces_of

KINDS = ("added", "removed", "changed", "moved", "unchanged")


@dataclass
class Row:
    kind: str  # one of KINDS
    old: list = field(default_factory=list)  # old passages
    new: list = field(default_factory=list)  # new passages
    diff: list = field(default_factory=list)  # word runs, for changed passages
    annotated: bool = False
    section: str = ""


@dataclass
class Comparison:
    rows: list[Row]
    counts: Counter
    sections: list[tuple[str, Counter]]


def _annotated_ids(report) -> set[int]:
    ids = set(TaggedPassage.objects.filter(content_object__report=report).values_list("content_object_id", flat=True))
    for model in (Highlight, Comment, SourceLink):
        ids |= set(model.objects.filter(passage__report=report).values_list("passage_id", flat=True))
    return ids


def _passages(report):
    return list(
        Passage.objects.filter(report=report)
        .select_related("section")
        .only("id", "uuid", "order", "kind", "label", "text", "section__title")
        .order_by("order")
    )


def compare_versions(old_report, new_report, *, annotated_only: bool = False) -> Comparison:
    """Rows in the new version's reading order; a removed passage appears after the row of the
    passage that preceded it in the old version."""
    old, new = _passages(old_report), _passages(new_report)
    alignment = align(pieces_of(old), pieces_of(new))
    annotated = _annotated_ids(old_report) | _annotated_ids(new_report)
    moved = {id(alignment.links[k]) for k in moved_links(alignment.links)}
    rows_by_new: dict[int, Row] = {}
    for link in alignment.links:
        kind = "moved" if id(link) in moved else ("unchanged" if link.how == "same" else "changed")
        olds, news = [old[i] for i in link.old], [new[j] for j in link.new]
        row = Row(kind, olds, news, annotated=any(p.pk in annotated for p in olds + news))
        if link.how != "same":
            row.diff = word_diff(" ".join(p.text for p in olds), " ".join(p.text for p in news))
        rows_by_new[link.new[0]] = row
    rows: list[Row] = []
    removed_after: dict[int, list[int]] = {}
    for i in alignment.removed():
        anchor = next((alignment.by_old[k].new[-1] for k in range(i - 1, -1, -1) if k in alignment.by_old), -1)
        removed_after.setdefault(anchor, []).append(i)
    for i in removed_after.get(-1, []):
        rows.append(Row("removed", [old[i]], annotated=old[i].pk in annotated))
    for j, passage in enumerate(new):
        if j in rows_by_new:
            rows.append(rows_by_new[j])
        elif j not in alignment.by_new:
            rows.append(Row("added", new=[passage], annotated=passage.pk in annotated))
        for i in removed_after.get(j, []):
            rows.append(Row("removed", [old[i]], annotated=old[i].pk in annotated))
    for row in rows:
        where = (row.new or row.old)[0]
        row.section = where.section.title if where.section_id else ""
    if annotated_only:
        rows = [row for row in rows if row.annotated]
    counts = Counter(row.kind for row in rows)
    per_section: dict[str, Counter] = {}
    for row in rows:
        per_section.setdefault(row.section, Counter())[row.kind] += 1
    return Comparison(rows, counts, list(per_section.items()))
