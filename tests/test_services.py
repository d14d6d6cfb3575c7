import pytest
from django.core.exceptions import ValidationError

from annotations import services
from annotations.models import (
    Comment,
    Highlight,
    Passage,
    Report,
    Source,
    SourceLink,
    Tag,
    TaggedHighlight,
    TaggedPassage,
)


@pytest.fixture
def passages(report):
    return list(report.passages.order_by("order"))


def test_add_tag_twice_is_one_link_whatever_the_case(passages, annotator):
    services.passage_add_tag(passage=passages[0], name="SCO", user=annotator)
    services.passage_add_tag(passage=passages[0], name="  sco ", user=annotator)
    assert TaggedPassage.objects.count() == 1
    assert TaggedPassage.objects.get().added_by == annotator


def test_empty_tag_name_is_refused(passages):
    with pytest.raises(services.ServiceError):
        services.passage_add_tag(passage=passages[0], name="   ")


def test_bulk_add_and_remove_tag(passages, workspace):
    tag = services.tag_get_or_create(workspace=workspace, name="recommendation")
    services.passage_add_tag(passage=passages[0], name="recommendation")
    assert services.passages_add_tag(passages=passages, tag=tag) == 2
    assert TaggedPassage.objects.filter(tag=tag).count() == 3
    assert services.passages_remove_tag(passages=passages[:2], tag=tag) == 2
    assert list(TaggedPassage.objects.values_list("content_object", flat=True)) == [passages[2].pk]


def test_merge_tags_moves_links_without_duplicates_and_combines_descriptions(passages, workspace):
    sco = Tag.objects.create(workspace=workspace, name="SCO", description="Shanghai Cooperation Organisation")
    dup = Tag.objects.create(
        workspace=workspace, name="Shanghai Cooperation Org.", description="The SCO and its bodies"
    )
    dup2 = Tag.objects.create(workspace=workspace, name="S.C.O.")
    passages[0].tags.add(sco, dup)  # a passage carrying both tags
    passages[1].tags.add(dup, dup2)  # carrying two merged tags
    passages[2].tags.add(dup2)
    highlight = services.highlight_create(passage=passages[0], start=0, end=7, tags=["S.C.O."])

    assert services.tags_merge(survivor=sco, merged=[dup, dup2]) == 2

    assert list(Tag.objects.values_list("name", flat=True)) == ["SCO"]
    assert sorted(TaggedPassage.objects.values_list("content_object", flat=True)) == [p.pk for p in passages]
    assert TaggedHighlight.objects.get().content_object == highlight
    sco.refresh_from_db()
    assert sco.description == "Shanghai Cooperation Organisation\n\nThe SCO and its bodies"
    assert sco.history.first().history_change_reason == "Merged Shanghai Cooperation Org., S.C.O."


def test_merge_tag_into_itself_is_refused(passages, workspace):
    sco = Tag.objects.create(workspace=workspace, name="SCO")
    with pytest.raises(services.ServiceError):
        services.tags_merge(survivor=sco, merged=[sco])
    assert Tag.objects.count() == 1


def test_status_change_detects_conflicting_edit(passages):
    passage = passages[0]
    updated = services.passage_set_status(passage=passage, status="approved", expected_version=passage.version)
    assert (updated.status, updated.version) == ("approved", 2)
    with pytest.raises(services.EditConflict):
        services.passage_set_status(passage=passage, status="flagged", expected_version=1)
    assert Passage.objects.get(pk=passage.pk).status == "approved"


def test_bulk_status_records_history(passages):
    assert services.passages_set_status(passages=passages, status="in_review") == 3
    assert all(p.history.first().status == "in_review" for p in Passage.objects.filter(pk__in=[p.pk for p in passages]))


def test_highlight_offsets_are_checked(passages):
    with pytest.raises(services.ServiceError):
        services.highlight_create(passage=passages[0], start=5, end=500)
    with pytest.raises(services.ServiceError):
        services.highlight_create(passage=passages[0], start=3, end=3)
    assert Highlight.objects.count() == 0


def test_highlight_with_tag_and_comment(passages, annotator):
    text = passages[0].text
    start = text.index("SCO")
    h = services.highlight_create(
        passage=passages[0], start=start, end=start + 3, user=annotator, tags=["SCO"], comment="Which SCO body?"
    )
    assert (h.exact, h.suffix[:4]) == ("SCO", " and")
    assert h.comments.get().body == "Which SCO body?"


def test_reply_attaches_to_thread_root_and_resolve_applies_to_thread(passages, annotator):
    root = services.comment_create(passage=passages[0], author=annotator, body="Source?")
    reply = services.comment_create(passage=passages[0], author=annotator, body="RATS report", parent=root)
    reply2 = services.comment_create(passage=passages[0], author=annotator, body="Agreed", parent=reply)
    assert reply2.parent == root
    services.comment_set_resolved(comment=reply2, resolved=True)
    assert Comment.objects.get(pk=root.pk).resolved
    assert Comment.objects.open_threads().count() == 0


def test_comment_edit_conflict_and_soft_delete(passages, annotator):
    comment = services.comment_create(passage=passages[0], author=annotator, body="First")
    services.comment_edit(comment=comment, body="Second", expected_version=1)
    with pytest.raises(services.EditConflict):
        services.comment_edit(comment=comment, body="Third", expected_version=1)
    services.comment_delete(comment=comment)
    assert Comment.objects.live().count() == 0
    assert Comment.objects.get().body == "Second"
    with pytest.raises(services.ServiceError):
        services.comment_create(passage=passages[0], author=annotator, body="  ")


def test_source_get_or_create_matches_normalized_url_and_refuses_javascript(workspace):
    source, created = services.source_get_or_create(
        workspace=workspace, url="https://www.istanbulprocess.org/", title="Istanbul Process"
    )
    again, created_again = services.source_get_or_create(
        workspace=workspace, url="HTTPS://www.istanbulprocess.org", title="dup"
    )
    assert created
    assert not created_again
    assert again == source
    with pytest.raises(ValidationError):
        services.source_get_or_create(workspace=workspace, url="javascript:alert(1)", title="x")
    assert Source.objects.count() == 1


def test_source_link_is_unique_per_relation(passages, workspace):
    source, _ = services.source_get_or_create(workspace=workspace, url="https://ecrats.org/", title="RATS")
    _, created = services.source_link_create(passage=passages[0], source=source, relation="cites")
    _, created_again = services.source_link_create(passage=passages[0], source=source, relation="cites")
    assert created
    assert not created_again
    services.source_link_create(passage=passages[0], source=source, relation="supports")
    assert SourceLink.objects.count() == 2


def test_source_link_refuses_foreign_workspace_source(passages, other_workspace):
    foreign, _ = services.source_get_or_create(workspace=other_workspace, url="https://example.org", title="x")
    with pytest.raises(services.ServiceError):
        services.source_link_create(passage=passages[0], source=foreign)


def test_merge_sources_moves_links(passages, workspace):
    keep = Source.objects.create(workspace=workspace, url="https://ecrats.org/en", title="RATS")
    dup = Source.objects.create(
        workspace=workspace, url="https://ecrats.org/ru", title="RATS (ru)", doi="10.1/x", notes="Russian page"
    )
    services.source_link_create(passage=passages[0], source=keep, relation="cites")
    services.source_link_create(passage=passages[0], source=dup, relation="cites")
    services.source_link_create(passage=passages[1], source=dup, relation="supports")
    assert services.sources_merge(survivor=keep, duplicates=[dup]) == 1
    keep.refresh_from_db()
    assert (keep.doi, keep.notes) == ("10.1/x", "Russian page")
    assert sorted(SourceLink.objects.values_list("passage__order", "relation")) == [(1, "cites"), (2, "supports")]
    assert Source.objects.count() == 1


def test_highlight_delete_removes_the_highlight_and_its_tag_links(passages, annotator):
    highlight = services.highlight_create(passage=passages[0], start=0, end=5, user=annotator, tags=["SCO"])
    services.highlight_delete(highlight=highlight)
    assert not Highlight.objects.exists()
    assert not TaggedHighlight.objects.exists()


def test_source_link_delete_keeps_the_source(passages, workspace):
    source, _ = services.source_get_or_create(workspace=workspace, url="https://ecrats.org/", title="RATS")
    link, _ = services.source_link_create(passage=passages[0], source=source)
    services.source_link_delete(link=link)
    assert not SourceLink.objects.exists()
    assert Source.objects.get() == source


def test_deletes_on_an_old_version_are_refused(passages, workspace, annotator):
    highlight = services.highlight_create(passage=passages[0], start=0, end=5, user=annotator)
    source, _ = services.source_get_or_create(workspace=workspace, url="https://ecrats.org/", title="RATS")
    link, _ = services.source_link_create(passage=passages[0], source=source)
    Report.objects.filter(pk=passages[0].report_id).update(is_latest=False)
    stale = Passage.objects.get(pk=passages[0].pk)  # its report read afresh: an old version now
    with pytest.raises(services.ServiceError, match="read-only"):
        services.highlight_delete(highlight=Highlight.objects.select_related("passage").get(pk=highlight.pk))
    with pytest.raises(services.ServiceError, match="read-only"):
        services.source_link_delete(link=SourceLink.objects.get(pk=link.pk))
    assert stale.highlights.count() == 1
    assert stale.source_links.count() == 1


def test_a_refused_link_to_a_new_url_leaves_no_new_source(passages):
    with pytest.raises(ValidationError):
        services.source_link_create_for_url(
            passage=passages[0], url="https://example.org/new", source_fields={"title": "New"}, footnote="9" * 50
        )
    assert not Source.objects.exists()
    assert not SourceLink.objects.exists()


def test_a_link_to_a_known_url_reuses_its_source(passages, workspace):
    source, _ = services.source_get_or_create(workspace=workspace, url="https://ecrats.org/", title="RATS")
    link, created = services.source_link_create_for_url(
        passage=passages[0], url="https://ECRATS.org", source_fields={"title": "Another title"}, relation="supports"
    )
    assert created
    assert link.source == source
    assert Source.objects.count() == 1
