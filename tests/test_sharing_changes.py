"""Items 2 and 3 of "sharing without loss": every write path stamps a shared record, a re-import
applies every newer change and lists true conflicts instead of skipping silently, and deletions
and merges travel as tombstones."""

import pytest

from annotations import services
from annotations.models import Comment, Highlight, Passage, Source, SourceLink, Tag, TaggedPassage
from tests.conftest import deep_dump
from tests.test_sharing_fixture_export import wipe
from tests.test_sharing_fixture_import import export, import_


def _without_import_stamps(dump):
    return {label: rows for label, rows in dump.items() if label != "annotations.importstamp"}


def _edit_everywhere(workspace):
    """The edits of the issue, through the paths people use (services, plain saves as the admin makes)."""
    thread = Comment.objects.get(body__startswith="Is this")
    services.comment_set_resolved(comment=thread, resolved=True)
    source = Source.objects.get(title="RATS annual report")
    source.title = "RATS annual report 2014"
    source.save()
    link = SourceLink.objects.get(relation="supports")
    link.note, link.relation = "-3 percent", SourceLink.Relation.CONTRADICTS
    link.save()
    tag = Tag.objects.get(name="SCO")
    tag.description, tag.color = "Shanghai Cooperation Organisation", "#1d4ed8"
    tag.save()
    reply = Comment.objects.get(body="+1, yes")
    reply.body = "+1, yes (edited in the admin, which sets no edited_at)"
    reply.save()
    Passage.objects.filter(report__workspace=workspace, order=2).update(status=Passage.Status.FLAGGED)
    services.passage_remove_tag(passage=Passage.objects.get(order=2), tag=tag)
    services.passage_add_tag(passage=Passage.objects.get(order=3), name="new code")


def test_every_edit_at_the_origin_reaches_the_copy(annotated_report, workspace, tmp_path):
    first_export = export(tmp_path, "--workspace", workspace.slug, name="a1.json")
    _edit_everywhere(workspace)
    edited = deep_dump()
    second_export = export(tmp_path, "--workspace", workspace.slug, name="a2.json")
    wipe()
    import_(first_export)  # instance B, as it was after the first share
    summary = import_(second_export, "--apply-deletions")
    assert "conflict" not in summary
    assert _without_import_stamps(deep_dump()) == _without_import_stamps(edited)


def test_changes_on_both_sides_since_the_last_import_are_listed_as_conflicts(annotated_report, workspace, tmp_path):
    first_export = export(tmp_path, "--workspace", workspace.slug, name="a1.json")
    thread = Comment.objects.get(body__startswith="Is this")
    services.comment_edit(comment=thread, body="Edited at the origin")
    services.comment_set_resolved(comment=Comment.objects.get(body="@anna check"), resolved=False)
    second_export = export(tmp_path, "--workspace", workspace.slug, name="a2.json")
    wipe()
    import_(first_export)
    services.comment_edit(comment=Comment.objects.get(uuid=thread.uuid), body="Edited on the copy")
    summary = import_(second_export)
    assert f"conflict: annotations.comment [{thread.uuid}]" in summary
    assert "1 conflicts" in summary
    assert Comment.objects.get(uuid=thread.uuid).body == "Edited on the copy"
    assert Comment.objects.get(body="@anna check").resolved is False  # the other change applied


def test_a_change_made_only_here_is_kept_and_counted(annotated_report, workspace, tmp_path):
    first_export = export(tmp_path, "--workspace", workspace.slug, name="a1.json")
    wipe()
    import_(first_export)
    passage = Passage.objects.get(order=1)
    services.passage_set_status(passage=passage, status=Passage.Status.APPROVED)
    summary = import_(first_export)
    assert "kept 1 (changed here, not at the origin)" in summary
    assert "conflict" not in summary
    assert Passage.objects.get(order=1).status == Passage.Status.APPROVED


def test_every_write_path_moves_the_change_stamp(annotated_report, workspace, curator):
    def stamps():
        return {
            model: dict(model.objects.values_list("pk", "changed_at"))
            for model in (Passage, Comment, Source, SourceLink, Tag, TaggedPassage)
        }

    before = stamps()
    Passage.objects.filter(report=annotated_report).update(status=Passage.Status.APPROVED)
    services.comments_resolve(comments=Comment.objects.all())
    Source.objects.filter(workspace=workspace).update(notes="bulk")
    SourceLink.objects.all().update(note="bulk")
    TaggedPassage.objects.all().update(added_by=curator)
    Tag.objects.all().update(description="bulk")
    after = stamps()
    for model in (Passage, Source, SourceLink, Tag, TaggedPassage):
        assert all(after[model][pk] > stamp for pk, stamp in before[model].items()), model
    roots = Comment.objects.filter(parent=None, resolved=True, passage__order=1)
    assert all(after[Comment][c.pk] > before[Comment][c.pk] for c in roots)


def _delete_and_merge():
    services.tags_merge(survivor=Tag.objects.get(name="SCO"), merged=[Tag.objects.get(name="three evils")])
    Comment.objects.get(body="@anna check").delete()  # a hard delete, as the admin does
    SourceLink.objects.get(relation="cites").delete()
    Highlight.objects.get(exact="🚩").delete()  # its comments stay on the passage


def test_deletions_and_merges_travel_as_tombstones(annotated_report, workspace, tmp_path):
    first_export = export(tmp_path, "--workspace", workspace.slug, name="a1.json")
    _delete_and_merge()
    edited = deep_dump()
    second_export = export(tmp_path, "--workspace", workspace.slug, name="a2.json")
    wipe()
    import_(first_export)
    copy = deep_dump()

    listed = import_(second_export)
    assert "4 deleted at the origin, still here (--apply-deletions deletes them):" in listed
    assert (
        "deleted at the origin: annotations.tag [central-asia, three evils] (merged into [central-asia, sco])"
        in listed
    )
    assert Tag.objects.filter(name="three evils").exists()
    assert Comment.objects.filter(body="@anna check").exists()

    applied = import_(second_export, "--apply-deletions")
    assert "4 deleted or merged away as at the origin" in applied
    assert _without_import_stamps(deep_dump()) == _without_import_stamps(edited)
    assert _without_import_stamps(copy) != _without_import_stamps(edited)


def test_a_tombstone_for_a_record_outside_the_files_workspaces_is_refused(
    annotated_report, workspace, other_workspace, tmp_path
):
    import json

    from django.core.management.base import CommandError

    path = export(tmp_path, "--workspace", other_workspace.slug)
    data = json.loads(path.read_text(encoding="utf-8"))
    foreign = Comment.objects.get(body="@anna check")
    tombstone = {"model": "annotations.comment", "key": [str(foreign.uuid)], "workspace": ["other"]}
    data.append({"model": "annotations.tombstone", "fields": dict(tombstone, merged_into=None, deleted_at=None)})
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match="workspace the file does not name"):
        import_(path, "--apply-deletions")
    assert Comment.objects.filter(pk=foreign.pk).exists()


def test_a_tag_removed_and_added_back_at_the_origin_stays_on_the_copy(annotated_report, workspace, tmp_path):
    first_export = export(tmp_path, "--workspace", workspace.slug, name="a1.json")
    passage = Passage.objects.get(report=annotated_report, order=2)
    tag = Tag.objects.get(workspace=workspace, name="SCO")
    services.passage_remove_tag(passage=passage, tag=tag)  # leaves a tombstone
    services.passage_add_tag(passage=passage, name="SCO")  # the same link again, later
    second_export = export(tmp_path, "--workspace", workspace.slug, name="a2.json")
    wipe()
    import_(first_export)
    import_(second_export, "--apply-deletions")
    assert TaggedPassage.objects.filter(content_object__uuid=passage.uuid, tag__name="SCO").exists()
