"""Versions of a report: importing the next version, carrying annotations across, orphans."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from annotations.importing import ReportImportError
from annotations.importing.load import import_report_file
from annotations.models import (
    Comment,
    Highlight,
    Orphan,
    Passage,
    Report,
    Source,
    SourceLink,
    Tag,
    TaggedHighlight,
    TaggedPassage,
    Work,
)
from annotations.services import ServiceError, comment_create, highlight_create, passage_add_tag
from annotations.versioning import orphan_dismiss, orphan_place

FINDINGS = "China's engagement with Central Asia has grown steadily since the 1990s."
BILATERAL = "Beijing prefers bilateral channels, yet it also works through the SCO."
RUSSIA = "Russia remains the main security provider in the region, through the CSTO."
ENERGY = "Energy pipelines tie Turkmenistan and Kazakhstan to western China and its coastal industry."

V1 = f"""# Central Asia

## Findings

{FINDINGS}[^1]

{BILATERAL}

{ENERGY}

## Outlook

{RUSSIA}[^2]

[^1]: Marlene Laruelle, Russia's Central Asia Policy, 2008.
[^2]: Ministry of Foreign Affairs, press release, June 2014.
"""

# Version 2: a new first footnote renumbers the others, the findings sentence is edited, the
# energy paragraph is gone, and the Outlook section moves to the front.
V2 = f"""# Central Asia

## Outlook

{RUSSIA}[^3]

## Findings

Since independence, {FINDINGS.replace("steadily", "quickly")}[^2]

{BILATERAL}[^1]

[^1]: Interview with an official in Astana, 2016.
[^2]: Marlene Laruelle, Russia's Central Asia Policy, 2008.
[^3]: Ministry of Foreign Affairs, press release, June 2014.
"""


def imported(workspace, text, user=None, **kwargs):
    return import_report_file(text.encode(), filename="report.md", workspace=workspace, imported_by=user, **kwargs)


def passage(report, text):
    return report.passages.get(text__contains=text)


@pytest.fixture
def annotated(workspace, annotator, curator):
    """Version 1 with a tag, a highlight with a tag and a thread, a passage thread with a reply and
    a source link citing footnote 2, by an annotator, a few days ago."""
    report = imported(workspace, V1, curator).report
    findings, russia, energy = passage(report, "grown"), passage(report, "CSTO"), passage(report, "pipelines")
    passage_add_tag(passage=findings, name="Security cooperation", user=annotator)
    passage_add_tag(passage=energy, name="Energy", user=annotator)
    start = findings.text.index("Central Asia")
    highlight = highlight_create(
        passage=findings, start=start, end=start + 12, user=annotator, tags=["Region"], comment="Which states?"
    )
    thread = comment_create(passage=russia, author=annotator, body="Is this still true?")
    comment_create(passage=russia, author=curator, body="Yes, see the 2014 note.", parent=thread)
    comment_create(passage=energy, author=annotator, body="Pipelines matter.")
    source = Source.objects.create(workspace=workspace, url="https://example.org/mfa", title="MFA release")
    SourceLink.objects.create(passage=russia, source=source, footnote="2", added_by=annotator)
    long_ago = timezone.now() - datetime.timedelta(days=3)
    Comment.objects.update(created_at=long_ago)
    Highlight.objects.update(created_at=long_ago)
    return report, highlight


def test_a_new_version_joins_the_work_of_the_old_one(workspace, curator):
    first = imported(workspace, V1, curator).report
    second = imported(workspace, V2, curator, new_version_of=first).report
    first.refresh_from_db()
    assert second.work_id == first.work_id
    assert (first.version_number, second.version_number) == (1, 2)
    assert (first.is_latest, second.is_latest) == (False, True)
    assert list(Report.objects.latest_versions()) == [second]
    assert Work.objects.count() == 1


def test_naming_an_old_version_still_carries_from_the_newest(workspace, curator):
    first = imported(workspace, V1, curator).report
    second = imported(workspace, V2, curator, new_version_of=first).report
    passage_add_tag(passage=passage(second, "CSTO"), name="Russia", user=curator)
    third = imported(workspace, V2 + "\nA closing remark was added to this edition.\n", curator, new_version_of=first)
    assert third.report.version_number == 3
    assert passage(third.report, "CSTO").tags.filter(name="Russia").exists()


def test_the_same_file_again_as_a_new_version_is_refused_and_leaves_nothing(workspace, curator):
    first = imported(workspace, V1, curator).report
    with pytest.raises(ReportImportError, match="already version 1"):
        imported(workspace, V1, curator, new_version_of=first)
    first.refresh_from_db()
    assert first.is_latest
    assert Report.objects.count() == 1


def test_a_bad_file_as_new_version_leaves_the_old_version_latest(workspace, curator):
    first = imported(workspace, V1, curator).report
    with pytest.raises(ReportImportError):
        imported(workspace, "   ", curator, new_version_of=first)
    first.refresh_from_db()
    assert first.is_latest
    assert Report.objects.count() == 1


def test_carry_over_keeps_authors_and_times_on_the_aligned_passages(annotated, workspace, annotator, curator):
    old, old_highlight = annotated
    result = imported(workspace, V2, curator, new_version_of=old)
    new = result.report
    findings = passage(new, "quickly")
    assert list(findings.tags.names()) == ["Security cooperation"]
    assert findings.tag_links.get().added_by == annotator
    highlight = findings.highlights.get()
    assert findings.text[highlight.start : highlight.end] == "Central Asia" == highlight.exact
    assert highlight.prefix == findings.text[max(0, highlight.start - 32) : highlight.start]
    old_highlight.refresh_from_db()
    assert (highlight.created_by, highlight.created_at) == (annotator, old_highlight.created_at)
    assert list(highlight.tags.names()) == ["Region"]
    assert highlight.comments.get().body == "Which states?"
    russia = passage(new, "CSTO")
    thread = russia.comments.get(parent__isnull=True)
    assert (thread.author, thread.body, thread.created_at) == (
        annotator,
        "Is this still true?",
        old_highlight.created_at,
    )
    assert [(c.author, c.body) for c in thread.replies.all()] == [(curator, "Yes, see the 2014 note.")]
    link = russia.source_links.get()
    assert (link.source.title, link.footnote, link.added_by) == ("MFA release", "3", annotator)  # renumbered 2 -> 3
    # The old version keeps its own copy.
    assert passage(old, "grown").highlights.count() == 1
    assert passage(old, "CSTO").comments.count() == 2
    assert result.carried.highlights == 1
    assert result.carried.source_links == 1


def test_what_cannot_be_placed_becomes_an_orphan_with_candidates(annotated, workspace, curator):
    old, _ = annotated
    new = imported(workspace, V2, curator, new_version_of=old).report
    orphans = list(Orphan.objects.filter(report=new))
    assert [(o.passage.text, o.highlight, o.status) for o in orphans] == [(ENERGY, None, "open")]
    assert not Passage.objects.filter(report=new, tag_links__tag__name="Energy").exists()
    assert not Comment.objects.filter(passage__report=new, body="Pipelines matter.").exists()


def test_placing_a_passage_orphan_copies_its_annotations(annotated, workspace, curator, annotator):
    old, _ = annotated
    new = imported(workspace, V2, curator, new_version_of=old).report
    orphan = Orphan.objects.get(report=new)
    target = passage(new, "bilateral")
    orphan_place(orphan=orphan, passage=target, user=curator)
    orphan.refresh_from_db()
    assert (orphan.status, orphan.placed_in, orphan.resolved_by) == ("placed", target, curator)
    assert "Energy" in target.tags.names()
    assert target.comments.get(body="Pipelines matter.").author == annotator
    with pytest.raises(ValueError, match="already"):
        orphan_dismiss(orphan=orphan, user=curator)


def test_placing_a_highlight_orphan_finds_its_words_in_the_chosen_passage(workspace, curator, annotator):
    old = imported(workspace, V1, curator).report
    energy = passage(old, "pipelines")
    start = energy.text.index("Turkmenistan")
    highlight_create(passage=energy, start=start, end=start + 12, user=annotator, tags=["Gas"], comment="Route?")
    gas = "Gas from Turkmenistan now flows east through new lines built since 2009."
    new = imported(workspace, V2 + f"\n## Energy\n\n{gas}\n", curator, new_version_of=old).report
    orphan = Orphan.objects.get(report=new, highlight__isnull=False)
    target = Passage.objects.get(uuid=orphan.candidates[0]["passage"])
    orphan_place(orphan=orphan, passage=target, user=curator)
    placed = target.highlights.get()
    assert target.text[placed.start : placed.end] == "Turkmenistan"
    assert list(placed.tags.names()) == ["Gas"]
    assert placed.comments.get().body == "Route?"


def test_placing_a_highlight_where_its_words_are_not_is_refused(workspace, curator, annotator):
    old = imported(workspace, V1, curator).report
    energy = passage(old, "pipelines")
    start = energy.text.index("Turkmenistan")
    highlight_create(passage=energy, start=start, end=start + 12, user=annotator)
    new = imported(workspace, V2, curator, new_version_of=old).report
    orphan = Orphan.objects.get(report=new, highlight__isnull=False)
    with pytest.raises(ValueError, match="not in that passage"):
        orphan_place(orphan=orphan, passage=passage(new, "CSTO"), user=curator)
    orphan.refresh_from_db()
    assert orphan.status == "open"
    assert not Highlight.objects.filter(passage__report=new).exists()


def test_old_versions_are_read_only_for_every_annotation_service(annotated, workspace, curator, annotator):
    old, highlight = annotated
    imported(workspace, V2, curator, new_version_of=old)
    findings = Passage.objects.select_related("report").get(pk=passage(old, "grown").pk)
    with pytest.raises(ServiceError, match="read-only"):
        passage_add_tag(passage=findings, name="Late", user=annotator)
    with pytest.raises(ServiceError, match="read-only"):
        highlight_create(passage=findings, start=0, end=5, user=annotator)
    with pytest.raises(ServiceError, match="read-only"):
        comment_create(passage=findings, author=annotator, body="late")
    assert not Tag.objects.filter(name="Late").exists()


def test_review_status_stays_with_unchanged_text_only(workspace, curator):
    old = imported(workspace, V1, curator).report
    Passage.objects.filter(report=old).update(status=Passage.Status.APPROVED)
    new = imported(workspace, V2, curator, new_version_of=old).report
    assert passage(new, "CSTO").status == Passage.Status.APPROVED
    assert passage(new, "quickly").status == Passage.Status.OPEN


def test_import_report_command_imports_a_new_version(annotated, workspace, tmp_path):
    old, _ = annotated
    path = tmp_path / "v2.md"
    path.write_text(V2)
    out = _call("import_report", str(path), "--new-version-of", str(old.uuid))
    assert "Version 2 of 'Central Asia'" in out
    assert "1 orphans to review" in out
    assert TaggedPassage.objects.filter(content_object__report__version_number=2).count() == 1
    assert TaggedHighlight.objects.filter(content_object__passage__report__version_number=2).count() == 1


def test_import_report_command_rejects_an_unknown_or_malformed_uuid(tmp_path, db):
    path = tmp_path / "v2.md"
    path.write_text(V2)
    for value in ("not-a-uuid", "6f1f7e0c-1d7e-4a7e-9c61-2c6a4f1b9e11", "x" * 10_000):
        with pytest.raises(CommandError, match="no report with uuid"):
            _call("import_report", str(path), "--new-version-of", value)


def _call(*args):
    import io

    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_deleting_the_newest_version_makes_the_previous_one_latest(workspace, curator):
    first = imported(workspace, V1, curator).report
    second = imported(workspace, V2, curator, new_version_of=first).report
    second.delete()
    first.refresh_from_db()
    assert first.is_latest
    first.delete()
    assert not Work.objects.exists()


def test_deleting_a_workspace_deletes_its_works_and_versions(workspace, curator):
    first = imported(workspace, V1, curator).report
    imported(workspace, V2, curator, new_version_of=first)
    workspace.delete()
    assert not Work.objects.exists()
    assert not Report.objects.exists()
