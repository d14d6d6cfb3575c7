import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotations.models import (
    Comment,
    Highlight,
    Passage,
    Report,
    Source,
    SourceLink,
    Tag,
    TaggedPassage,
    normalize_url,
)
from tests.conftest import make_report


def test_tags_are_case_insensitive(report):
    passage = report.passages.first()
    passage.tags.add("SCO")
    passage.tags.add("sco")
    assert list(Tag.objects.values_list("name", flat=True)) == ["SCO"]
    assert passage.tag_links.count() == 1


def test_tag_names_unique_per_workspace_regardless_of_case_in_the_database(workspace, other_workspace):
    Tag.objects.create(workspace=workspace, name="SCO", slug="sco")
    Tag.objects.create(workspace=other_workspace, name="sco", slug="sco")  # another team's codebook
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(workspace=workspace, name="sco", slug="sco-2")


def test_each_workspace_tags_from_its_own_codebook(report, other_workspace):
    """Issue 10, item 2: taggit's API (passage.tags.add) looks names up in the record's workspace."""
    theirs = Tag.objects.create(workspace=other_workspace, name="SCO")
    passage = report.passages.first()
    passage.tags.add("sco")
    ours = passage.tags.get()
    assert ours != theirs
    assert ours.workspace == report.workspace
    with pytest.raises(ValidationError):
        passage.tags.add(theirs)
    link = TaggedPassage(content_object=report.passages.last(), tag=theirs)
    with pytest.raises(ValidationError, match="another workspace's codebook"):
        link.full_clean()


@pytest.mark.parametrize("name", ["Ürümqi", "!!!", "🚩", "上海合作组织", "a/b?c#d"])
def test_any_name_gets_an_ascii_slug(workspace, name):
    """Issue 10, item 3: slugs are ASCII and never empty, whatever a person types."""
    tag = Tag(workspace=workspace, name=name)
    tag.full_clean(exclude=["slug"])
    tag.save()
    assert tag.slug
    assert tag.slug.isascii()
    assert tag.slug.replace("-", "").isalnum()


def test_tag_rules_live_in_the_model(workspace):
    tag = Tag(workspace=workspace, name="  Water \n security ", color="blue")
    with pytest.raises(ValidationError) as error:
        tag.full_clean(exclude=["slug"])
    assert "color" in error.value.message_dict
    assert tag.name == "Water security"
    for bad in ("   ", "nul\x00byte"):
        with pytest.raises(ValidationError):
            Tag(workspace=workspace, name=bad).full_clean(exclude=["slug"])


def test_record_rules_live_in_the_model(annotated_report, workspace, other_workspace):
    """Highlights stay inside their passage; links use their passage's highlights and their
    workspace's sources; a passage's section is in its report."""
    first, second = annotated_report.passages.order_by("order")[:2]
    with pytest.raises(ValidationError, match="outside the passage"):
        Highlight(passage=first, start=0, end=len(first.text) + 1, exact="x").full_clean()
    with pytest.raises(ValidationError, match="Select some text"):
        Highlight(passage=first, start=first.text.index(" "), end=first.text.index(" ") + 1, exact=" ").full_clean()
    foreign = Source.objects.create(workspace=other_workspace, url="https://example.org/f", title="F")
    with pytest.raises(ValidationError, match="another workspace"):
        SourceLink(passage=first, source=foreign).full_clean()
    ours = Source.objects.filter(workspace=workspace).first()
    with pytest.raises(ValidationError, match="another passage"):
        SourceLink(passage=second, source=ours, highlight=first.highlights.first()).full_clean()
    other_section = make_report(workspace, passages=1, title="Other").sections.get()
    first.section = other_section
    with pytest.raises(ValidationError, match="another report"):
        first.full_clean()


def test_visible_to_scopes_by_membership(report, annotator, outsider, other_workspace, django_user_model):
    foreign = make_report(other_workspace, title="Theirs")
    assert set(Report.objects.visible_to(annotator)) == {report}
    assert set(Report.objects.visible_to(outsider)) == {foreign}
    assert Passage.objects.visible_to(outsider).filter(report=report).count() == 0



MODELS_IN_A_WORKSPACE = [Report, Passage, Comment, Highlight, Source, SourceLink]


@pytest.mark.parametrize("model", MODELS_IN_A_WORKSPACE, ids=lambda m: m.__name__)
def test_staff_status_opens_no_workspace_superusers_see_all(annotated_report, outsider, model, django_user_model):
    """Issue 10, item 1: staff status means "may open the admin", not "reads every workspace"."""
    outsider.is_staff = True
    outsider.save()
    staff = django_user_model.objects.create_user("stan", is_staff=True)
    root = django_user_model.objects.create_user("root", is_staff=True, is_superuser=True)
    assert model.objects.exists()
    assert not model.objects.visible_to(outsider).exists()
    assert not model.objects.visible_to(staff).exists()
    assert model.objects.visible_to(root).count() == model.objects.count()


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


def _comment_error(comment):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        comment.full_clean()
    return str(error.value)


def test_a_reply_must_be_on_its_threads_passage_and_highlight(report, annotator):
    first, second, _third = report.passages.order_by("order")
    highlight = Highlight.objects.create(passage=first, start=0, end=7, **Highlight.quote_for(first.text, 0, 7))
    thread = Comment.objects.create(passage=first, author=annotator, body="Thread")
    assert "same passage" in _comment_error(Comment(passage=second, parent=thread, author=annotator, body="x"))
    assert "same passage" in _comment_error(Comment(passage=second, highlight=highlight, body="x"))
    Comment(passage=first, parent=thread, highlight=highlight, body="fine").full_clean()


def test_comment_threads_cannot_form_cycles(report, annotator):
    passage = report.passages.first()
    a = Comment.objects.create(passage=passage, body="A")
    b = Comment.objects.create(passage=passage, body="B", parent=a)
    a.parent = a
    assert "itself" in _comment_error(a)
    a.parent = b
    assert "first comment" in _comment_error(a)
    c = Comment.objects.create(passage=passage, body="C")
    a.parent = c
    assert "has replies" in _comment_error(a)


def test_comment_bodies_are_limited_and_free_of_control_characters(report):
    passage = report.passages.first()
    assert "20000" in _comment_error(Comment(passage=passage, body="x" * 20_001)).replace(",", "")
    for bad in ["a\x00b", "bell\x07", "esc\x1b[31m"]:
        assert "control characters" in _comment_error(Comment(passage=passage, body=bad))
    Comment(passage=passage, body="Tabs\tand\nnew lines\r\nare fine 🚩 新疆").full_clean()


def test_passage_text_cannot_be_shortened_under_its_highlights(report):
    passage = report.passages.first()
    Highlight.objects.create(passage=passage, start=10, end=20, **Highlight.quote_for(passage.text, 10, 20))
    passage.text = passage.text[:15]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="highlight"):
        passage.full_clean()
    passage.text = passage.text + " and longer again"
    passage.full_clean()
