"""Editing a passage's text re-anchors its highlights with the carry-over's code (issue 18, item 4).

What was seen: a passage edited in the admin kept its highlights' offsets, so they marked other
words and the JSON-LD export carried a TextQuoteSelector and a TextPositionSelector that disagreed.
"""

import json

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Highlight, Orphan, Passage, Report, Section
from annotations.sharing.jsonld import annotation_collection
from annotations.versioning import orphan_place, passage_text_changed

TEXT = "Beijing prefers bilateral channels, yet it also works through the SCO and its summits."


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def passage(workspace):
    report = Report.objects.create(workspace=workspace, title="Edited", slug="edited")
    section = Section.objects.create(report=report, order=1, title="Findings")
    Passage.objects.create(report=report, section=section, order=2, text="Russia remains the main security provider.")
    return Passage.objects.create(report=report, section=section, order=1, text=TEXT)


def admin_edit(client, passage, text):
    url = reverse("admin:annotations_passage_change", args=[passage.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "footnotes"}
    data |= {"footnotes": "[]", "report": passage.report_id, "section": passage.section_id, "text": text}
    for prefix in ("tag_links", "highlights", "comments", "source_links"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    return response


def selectors_agree(report):
    for annotation in annotation_collection(report)["first"]["items"]:
        target = annotation["target"]
        if isinstance(target, dict) and "selector" in target:
            quote, position = target["selector"]
            text = Passage.objects.get(uuid=target["source"].removeprefix("urn:uuid:")).text
            assert text[position["start"] : position["end"]] == quote["exact"], json.dumps(annotation)


def test_admin_edit_before_a_highlight_moves_it_with_its_words(client, staff_curator, passage):
    start = TEXT.index("the SCO")
    highlight = services.highlight_create(passage=passage, start=start, end=start + 7, user=staff_curator)
    client.force_login(staff_curator)
    response = admin_edit(client, passage, "Since 2001, " + TEXT)
    highlight.refresh_from_db()
    passage.refresh_from_db()
    assert passage.text[highlight.start : highlight.end] == "the SCO" == highlight.exact
    assert highlight.start == start + len("Since 2001, ")
    assert highlight.prefix == passage.text[highlight.start - 32 : highlight.start]
    assert "1 highlight(s) re-anchored, 0 could not be placed" in [str(m) for m in response.wsgi_request._messages][0]
    selectors_agree(passage.report)


def test_admin_edit_that_removes_the_words_orphans_the_highlight(client, staff_curator, passage):
    start = TEXT.index("bilateral channels")
    highlight = services.highlight_create(
        passage=passage, start=start, end=start + 18, user=staff_curator, tags=["Diplomacy"], comment="Which?"
    )
    client.force_login(staff_curator)
    admin_edit(client, passage, "Beijing prefers to act through the SCO and its summits.")
    highlight.refresh_from_db()
    assert highlight.orphaned
    orphan = Orphan.objects.get(highlight=highlight)
    assert (orphan.report, orphan.status) == (passage.report, "open")
    # Hidden from the reading view and the exports, listed for curators.
    page = client.get(passage.report.get_absolute_url()).content.decode()
    assert "bilateral channels" not in page
    assert not any(
        a["id"].endswith(str(highlight.uuid)) for a in annotation_collection(passage.report)["first"]["items"]
    )
    review = client.get(reverse("annotations:report-orphans", args=[passage.report.uuid])).content.decode()
    assert "bilateral channels" in review
    assert "could not be found again" in review
    selectors_agree(passage.report)


def test_placing_an_edit_orphan_moves_the_same_highlight_with_its_thread(staff_curator, passage):
    start = TEXT.index("bilateral channels")
    highlight = services.highlight_create(
        passage=passage, start=start, end=start + 18, user=staff_curator, tags=["Diplomacy"], comment="Which?"
    )
    old_text = passage.text
    passage.text = "Beijing prefers to act through the SCO and its summits."
    passage.save()
    assert passage_text_changed(passage=passage, old_text=old_text) == (0, 1)
    other = passage.report.passages.get(order=2)
    other.text = "Russia remains the main security provider; Beijing prefers bilateral channels there."
    other.save()
    orphan_place(orphan=Orphan.objects.get(highlight=highlight), passage=other, user=staff_curator)
    moved = Highlight.objects.get(pk=highlight.pk)
    assert (moved.passage, moved.orphaned) == (other, False)
    assert other.text[moved.start : moved.end] == "bilateral channels"
    assert list(moved.tags.names()) == ["Diplomacy"]
    assert moved.comments.get().passage == other
    assert Highlight.objects.count() == 1


def test_unchanged_text_changes_no_highlight(staff_curator, passage):
    highlight = services.highlight_create(passage=passage, start=0, end=7, user=staff_curator)
    assert passage_text_changed(passage=passage, old_text=passage.text) == (0, 0)
    assert Highlight.objects.get(pk=highlight.pk).start == 0
