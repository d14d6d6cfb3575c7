import pytest
from django.db import IntegrityError, transaction

from annotations.models import Comment, Highlight, Passage, Report, Source, SourceLink, Tag, normalize_url
from tests.conftest import make_report


def test_tags_are_case_insensitive(report):
    passage = report.passages.first()
    passage.tags.add("SCO")
    passage.tags.add("sco")
    assert list(Tag.objects.values_list("name", flat=True)) == ["SCO"]
    assert passage.tag_links.count() == 1


def test_tag_names_unique_regardless_of_case_in_the_database(db):
    Tag.objects.create(name="SCO", slug="sco")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="sco", slug="sco-2")


def test_visible_to_scopes_by_membership(report, annotator, outsider, other_workspace, django_user_model):
    foreign = make_report(other_workspace, title="Theirs")
    assert set(Report.objects.visible_to(annotator)) == {report}
    assert set(Report.objects.visible_to(outsider)) == {foreign}
    assert Passage.objects.visible_to(outsider).filter(report=report).count() == 0
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    assert Report.objects.visible_to(staff).count() == 2


def test_visible_to_anonymous_is_empty(report):
    from django.contrib.auth.models import AnonymousUser

    assert Report.objects.visible_to(AnonymousUser()).count() == 0


def test_annotation_counts_and_progress(report, annotator, workspace):
    first, second, _third = report.passages.order_by("order")
    first.tags.add("SCO", "three evils")
    thread = Comment.objects.create(passage=first, author=annotator, body="Check this")
    Comment.objects.create(passage=first, author=annotator, body="Reply", parent=thread)
    Comment.objects.create(passage=second, author=annotator, body="Gone", deleted_at="2026-01-01T00:00Z")
    source = Source.objects.create(workspace=workspace, url="https://example.org/rats", title="RATS")
    SourceLink.objects.create(passage=first, source=source, relation="cites")
    second.status = Passage.Status.APPROVED
    second.save()

    counts = {p.order: p for p in Passage.objects.filter(report=report).with_annotation_counts()}
    assert (counts[1].tag_count, counts[1].comment_count, counts[1].open_thread_count, counts[1].source_count) == (
        2,
        2,
        1,
        1,
    )
    assert (counts[2].tag_count, counts[2].comment_count, counts[2].open_thread_count) == (0, 0, 0)

    progress = Report.objects.with_progress().get(pk=report.pk)
    assert (progress.passage_count, progress.tagged_count, progress.approved_count, progress.open_thread_count) == (
        3,
        1,
        1,
        1,
    )


def test_for_reading_query_count_does_not_grow_with_rows(workspace, django_assert_num_queries):
    small, large = make_report(workspace, passages=5), make_report(workspace, passages=60)
    for report in (small, large):
        for passage in report.passages.all():
            passage.tags.add("SCO")
            Highlight.objects.create(passage=passage, start=0, end=7, **Highlight.quote_for(passage.text, 0, 7))
    for report in (small, large):
        with django_assert_num_queries(4):
            passages = list(Passage.objects.filter(report=report).for_reading())
            assert all(p.tag_links.all()[0].tag.name == "SCO" for p in passages)
            assert all(p.highlights.all()[0].exact == "Passage" for p in passages)


def test_highlight_quote_uses_code_points():
    text = "Xijin “西进” 🙂 march west"
    start = text.index("🙂")
    quote = Highlight.quote_for(text, start, start + 1)
    assert quote["exact"] == "🙂"
    assert quote["prefix"].endswith("“西进” ")
    assert quote["suffix"] == " march west"


def test_source_urls_are_normalized_for_duplicates(workspace):
    assert normalize_url("HTTPS://Example.ORG:443/a/b/#frag") == "https://example.org/a/b"
    Source.objects.create(workspace=workspace, url="https://example.org/a", title="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(workspace=workspace, url="https://EXAMPLE.org/a/", title="A again")


def test_source_url_must_be_http(workspace):
    from django.core.exceptions import ValidationError

    source = Source(workspace=workspace, url="javascript:alert(1)", title="bad")
    with pytest.raises(ValidationError):
        source.full_clean()


def test_history_is_recorded(report):
    passage = report.passages.first()
    passage.status = Passage.Status.FLAGGED
    passage.save()
    assert passage.history.count() == 1
    assert passage.history.first().status == "flagged"
