import datetime
import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations.models import Comment, Membership, Passage, Report, Source, Workspace
from tests.conftest import deep_dump
from tests.test_sharing_fixture_export import records, wipe


def export(tmp_path, *args, name="share.json"):
    path = tmp_path / name
    call_command("export_fixture", *(args or ["--all"]), "-o", str(path))
    return path


def import_(path, *args):
    from io import StringIO

    out = StringIO()
    call_command("import_fixture", str(path), *args, stdout=out)
    return out.getvalue()


def rewrite(path, change):
    data = records(path)
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def first(data, model):
    return next(r["fields"] for r in data if r["model"] == model)


@pytest.mark.parametrize("name", ["share.json", "share.jsonl"])
def test_import_into_a_fresh_instance_reproduces_everything(annotated_report, tmp_path, name):
    before = deep_dump()
    path = export(tmp_path, name=name)
    wipe()
    summary = import_(path)
    assert deep_dump() == before
    assert summary.startswith("Imported: created ")


def test_importing_the_same_file_twice_changes_nothing(annotated_report, tmp_path):
    path = export(tmp_path)
    wipe()
    import_(path)
    after_first = deep_dump()
    history = Passage.history.count()
    summary = import_(path)
    assert "created 0, updated 0" in summary
    assert "kept 0" in summary
    assert deep_dump() == after_first
    assert Passage.history.count() == history


def test_import_over_the_original_changes_nothing(annotated_report, tmp_path):
    before = deep_dump()
    summary = import_(export(tmp_path))
    assert "created 0, updated 0" in summary
    assert deep_dump() == before


def test_imported_rows_get_history_records(annotated_report, tmp_path):
    path = export(tmp_path)
    wipe()
    import_(path)
    assert Passage.history.filter(history_change_reason="import_fixture").count() == 4
    assert Source.history.filter(history_change_reason="import_fixture").count() == 2


def test_imported_users_are_inactive_without_password_or_privileges(annotated_report, tmp_path):
    path = export(tmp_path)
    wipe()
    import_(path)
    users = get_user_model().objects.all()
    assert {u.username for u in users} == {"anna", "carl"}
    assert all(not (u.is_active or u.is_staff or u.is_superuser or u.has_usable_password()) for u in users)


def test_existing_users_are_matched_by_username_and_left_alone(annotated_report, tmp_path):
    path = export(tmp_path)
    Report.objects.all().delete()
    import_(path)
    carl = get_user_model().objects.get(username="carl")
    assert carl.is_active
    assert carl.check_password("pw-for-tests-only")
    assert Report.objects.get().imported_by == carl


def _passage_record(data):
    return next(r["fields"] for r in data if r["model"] == "annotations.passage" and r["fields"]["order"] == 1)


def test_a_newer_copy_in_the_file_updates_the_local_one(annotated_report, tmp_path):
    def newer(data):
        passage = _passage_record(data)
        passage["status"] = "approved"
        passage["changed_at"] = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)).isoformat()

    path = rewrite(export(tmp_path), newer)
    summary = import_(path)
    assert "updated 1" in summary
    passage = annotated_report.passages.get(order=1)
    assert passage.status == "approved"
    assert passage.history.first().history_change_reason == "import_fixture"


def test_an_older_copy_in_the_file_is_kept_out_and_said_so(annotated_report, tmp_path):
    path = rewrite(export(tmp_path), lambda data: _passage_record(data).update(status="approved"))
    passage = annotated_report.passages.get(order=1)
    passage.status = "flagged"
    passage.save()
    summary = import_(path)
    assert "kept 1 (changed here, not at the origin)" in summary
    passage.refresh_from_db()
    assert passage.status == "flagged"


def test_dry_run_reports_and_changes_nothing(annotated_report, tmp_path):
    path = export(tmp_path)
    wipe()
    summary = import_(path, "--dry-run")
    assert summary.startswith("Dry run, nothing was changed")
    assert "annotations.passage: created 4" in summary
    assert not Workspace.objects.exists()
    assert not get_user_model().objects.exists()


def test_workspace_option_remaps_into_another_workspace(annotated_report, other_workspace, tmp_path):
    path = export(tmp_path, "--report", str(annotated_report.uuid))
    annotated_report.delete()
    Source.objects.all().delete()
    # The people who annotated are members there too: a file may only name members (or placeholders).
    for user in get_user_model().objects.filter(username__in=["anna", "carl"]):
        Membership.objects.create(workspace=other_workspace, user=user, role="viewer")
    summary = import_(path, "--workspace", other_workspace.slug)
    report = Report.objects.get(uuid=annotated_report.uuid)
    assert report.workspace == other_workspace
    assert set(Source.objects.values_list("workspace__slug", flat=True)) == {"other"}
    members = set(Membership.objects.filter(workspace=other_workspace).values_list("user__username", "role"))
    assert members == {("anna", "viewer"), ("carl", "viewer")}
    assert "workspaces mapped to the target workspace" in summary


def test_memberships_of_an_existing_workspace_are_not_granted(annotated_report, workspace, tmp_path):
    path = export(tmp_path, "--workspace", workspace.slug)
    Membership.objects.filter(user__username="anna").delete()
    summary = import_(path)
    assert not Membership.objects.filter(user__username="anna").exists()
    assert "memberships left out" in summary


def test_a_source_with_a_known_url_is_merged_not_duplicated(annotated_report, workspace, tmp_path):
    path = rewrite(
        export(tmp_path),
        lambda data: first(data, "annotations.source").update(uuid=str(uuid.uuid4()), url="HTTPS://example.org/rats/"),
    )
    summary = import_(path)
    assert Source.objects.count() == 2
    assert "merged into existing records" in summary


def test_records_of_a_workspace_the_file_does_not_name_are_refused(annotated_report, other_workspace, tmp_path):
    path = export(tmp_path, "--report", str(annotated_report.uuid))
    with pytest.raises(CommandError, match="workspace the file does not name"):
        import_(path, "--workspace", other_workspace.slug)


def _superuser(data):
    first(data, "annotations.person").update(is_superuser=True)


def _staff(data):
    first(data, "annotations.person").update(is_staff=True)


def _dangling_parent(data):
    reply = next(r["fields"] for r in data if r["model"] == "annotations.comment" and r["fields"]["parent"])
    reply["parent"] = [str(uuid.uuid4())]


def _unknown_model(data):
    data.append({"model": "auth.group", "fields": {"name": "admins"}})


def _javascript_url(data):
    first(data, "annotations.source")["url"] = "javascript:alert(1)"


def _offsets_beyond_text(data):
    first(data, "annotations.highlight").update(start=10_000, end=10_001)


def _bad_choice(data):
    _passage_record(data)["status"] = "done"


def _integer_reference(data):
    _passage_record(data)["report"] = 1


def _bad_type(data):
    _passage_record(data)["order"] = "first"


def _unknown_field(data):
    _passage_record(data)["secret"] = "x"


def _bad_colour(data):
    first(data, "annotations.tag")["color"] = "#12345g"


def _reply_on_another_passage(data):
    other = next(
        r["fields"] for r in data if r["model"] == "annotations.comment" and r["fields"]["body"] == "@anna check"
    )
    reply = next(r["fields"] for r in data if r["model"] == "annotations.comment" and r["fields"]["parent"])
    reply["passage"] = other["passage"]


def _comment(data):
    return first(data, "annotations.comment")


def _nul_in_comment(data):
    _comment(data)["body"] = "before\x00after"


def _control_character_in_comment(data):
    _comment(data)["body"] = "bell\x07"


def _comment_too_long(data):
    _comment(data)["body"] = "x" * 20_001


def _tag_name_as_list(data):
    first(data, "annotations.tag")["name"] = ["a"]


def _body_as_number(data):
    _comment(data)["body"] = 12


@pytest.mark.parametrize(
    "change, message",
    [
        (_reply_on_another_passage, "same passage"),
        (_nul_in_comment, "control characters"),
        (_control_character_in_comment, "control characters"),
        (_comment_too_long, "at most 20000"),
        (_tag_name_as_list, "name: expected text"),
        (_body_as_number, "body: expected text"),
        (_superuser, "staff or superuser"),
        (_staff, "staff or superuser"),
        (_dangling_parent, "neither in the file nor here"),
        (_unknown_model, "'auth.group' is not accepted"),
        (_javascript_url, "url: "),
        (_offsets_beyond_text, "outside the passage"),
        (_bad_choice, "status: "),
        (_integer_reference, "natural key"),
        (_bad_type, "order: "),
        (_unknown_field, "unknown field"),
        (_bad_colour, "six hex digits"),
    ],
)
def test_bad_records_are_refused_and_nothing_is_written(annotated_report, tmp_path, change, message):
    path = rewrite(export(tmp_path), change)
    wipe()
    with pytest.raises(CommandError, match=message) as error:
        import_(path)
    assert "\n" not in str(error.value)
    assert not Workspace.objects.exists()
    assert not get_user_model().objects.exists()
    assert not Passage.objects.exists()


def test_not_json_and_truncated_files_are_refused(annotated_report, tmp_path):
    good = export(tmp_path).read_text(encoding="utf-8")
    wipe()
    for name, text in [("notes.json", "this is not JSON"), ("cut.json", good[: len(good) // 2]), ("obj.json", "{}")]:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(CommandError, match="not valid JSON|not a fixture"):
            import_(path)
    assert not Workspace.objects.exists()


def test_a_file_over_the_size_limit_is_refused_unread(annotated_report, tmp_path, settings):
    path = export(tmp_path)
    wipe()
    settings.FIXTURE_MAX_BYTES = 100
    with pytest.raises(CommandError, match="over the limit of 100"):
        import_(path)
    assert not Workspace.objects.exists()


def test_unknown_target_workspace_is_a_clear_error(annotated_report, tmp_path):
    with pytest.raises(CommandError, match="no workspace 'nope'"):
        import_(export(tmp_path), "--workspace", "nope")


def test_two_instances_exchange_a_workspace_both_ways(annotated_report, workspace, tmp_path):
    """A shares with B; B annotates further and shares back; A ends with exactly B's state."""
    state_a = deep_dump()
    from_a = export(tmp_path, "--workspace", workspace.slug, name="a.json")
    wipe()
    import_(from_a)  # instance B, fresh
    assert deep_dump() == state_a
    passage = Passage.objects.get(report__uuid=annotated_report.uuid, order=3)
    passage.status = Passage.Status.APPROVED
    passage.save()
    passage.tags.add("Xinjiang")
    thread = Comment.objects.get(body__startswith="Is this")
    Comment.objects.create(passage=thread.passage, parent=thread, body="Agreed 👍 (同意)")
    state_b = deep_dump()
    from_b = export(tmp_path, "--workspace", workspace.slug, name="b.json")
    wipe()
    import_(from_a)  # back to instance A
    summary = import_(from_b)
    assert "updated 1" in summary
    assert "created 3" in summary
    assert deep_dump() == state_b


def _future():
    return (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)).isoformat()


def test_a_file_never_changes_the_roles_of_an_existing_workspace(annotated_report, workspace, tmp_path):
    def demote_the_curator(data):
        carl = next(
            r["fields"] for r in data if r["model"] == "annotations.membership" and r["fields"]["user"] == ["carl"]
        )
        carl.update(role="viewer", changed_at=_future())

    path = rewrite(export(tmp_path, "--workspace", workspace.slug), demote_the_curator)
    summary = import_(path)
    assert Membership.objects.get(user__username="carl").role == "curator"
    assert "memberships left out" in summary


def test_a_file_mapped_into_a_workspace_never_promotes_its_members(
    annotated_report, workspace, other_workspace, viewer, tmp_path
):
    for user in get_user_model().objects.all():
        Membership.objects.create(workspace=other_workspace, user=user, role="viewer")

    def promote_vera(data):
        vera = next(
            r["fields"] for r in data if r["model"] == "annotations.membership" and r["fields"]["user"] == ["vera"]
        )
        vera.update(role="curator", changed_at=_future())

    path = rewrite(export(tmp_path, "--workspace", workspace.slug), promote_vera)
    annotated_report.delete()
    Source.objects.all().delete()
    import_(path, "--workspace", other_workspace.slug)
    assert set(Membership.objects.filter(workspace=other_workspace).values_list("role", flat=True)) == {"viewer"}


def _refused_unchanged(path, message, *args):
    before = deep_dump()
    with pytest.raises(CommandError, match=message) as error:
        import_(path, *args)
    assert "\n" not in str(error.value)
    assert deep_dump() == before
    return str(error.value)


def _comment_record(data, body):
    return next(r["fields"] for r in data if r["model"] == "annotations.comment" and r["fields"]["body"] == body)


def test_two_comments_made_each_others_parent_are_refused(annotated_report, tmp_path):
    def cycle(data):
        thread, reply = _comment_record(data, "Is this **the** flag? 🚩"), _comment_record(data, "+1, yes")
        thread["parent"] = [reply["uuid"]]
        for fields in (thread, reply):
            fields["changed_at"] = _future()

    message = r"record \d+ \(annotations.comment\).*(first comment|has replies)"
    _refused_unchanged(rewrite(export(tmp_path), cycle), message)


def test_passage_text_shortened_under_highlights_is_refused(annotated_report, tmp_path):
    def shorten(data):
        _passage_record(data).update(text="The SCO", changed_at=_future())

    _refused_unchanged(rewrite(export(tmp_path), shorten), r"record \d+ \(annotations.passage\).*highlight")


def test_comments_cannot_be_attributed_to_a_local_account_outside_the_workspace(annotated_report, tmp_path):
    get_user_model().objects.create_superuser("root", password="pw-for-tests-only")

    def impersonate(data):
        data.append({"model": "annotations.person", "fields": {"username": "root", "first_name": "", "last_name": ""}})
        comment = dict(_comment_record(data, "@anna check"), uuid=str(uuid.uuid4()), author=["root"])
        data.append({"model": "annotations.comment", "fields": comment})

    _refused_unchanged(rewrite(export(tmp_path), impersonate), r"record \d+ \(annotations.comment\).*'root'")


def _raw_edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_number_too_large_for_any_field_is_a_one_line_error(annotated_report, tmp_path):
    path = _raw_edit(export(tmp_path), '"order": 1,', '"order": 1e999,')
    wipe()
    with pytest.raises(CommandError, match=r"record \d+ .*order") as error:
        import_(path)
    assert "\n" not in str(error.value)
    assert not Workspace.objects.exists()


def test_json_nested_100000_levels_is_a_one_line_error(annotated_report, tmp_path):
    path = _raw_edit(export(tmp_path), '"footnotes": ["1"]', '"footnotes": ' + "[" * 100_000 + "]" * 100_000)
    wipe()
    with pytest.raises(CommandError, match="nested") as error:
        import_(path)
    assert "\n" not in str(error.value)
    assert not Workspace.objects.exists()
