"""Issue 10: two teams on one instance. Only membership opens a workspace, each team owns its
codebook, and any tag name a person can type works everywhere."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from annotations import services
from annotations.models import Membership, Role, Source, Tag, TaggedHighlight, TaggedPassage
from annotations.sharing import qdc
from tests.conftest import make_annotated_report, make_member

SHARED_XSD = Path(__file__).resolve().parent.parent.parent / "shared" / "standards" / "refi-qda" / "Codebook.xsd"


@pytest.fixture
def team_a(workspace, annotator):
    """Workspace A with an annotated report, tagged Security and Energy."""
    return make_annotated_report(workspace, annotator, passages=6, title="Report Marramgrass")


@pytest.fixture
def staff_curator_of_b(other_workspace):
    """Curator of workspace B only; staff, so the admin opens for them."""
    user = make_member(other_workspace, "olga", "curator")
    user.is_staff = True
    user.save()
    return user


# --- Item 1: staff status opens no workspace ------------------------------------------------


def test_staff_curator_of_another_workspace_reads_nothing_of_ours(client, team_a, staff_curator_of_b):
    passage = team_a.passages.get(order=1)
    security = Tag.objects.get(workspace=team_a.workspace, name="Security")
    client.force_login(staff_curator_of_b)
    for url in [
        reverse("annotations:report-list", args=[team_a.workspace.slug]),
        team_a.get_absolute_url(),
        reverse("annotations:passage-panel", args=[passage.uuid]),
        reverse("annotations:passage-history", args=[passage.uuid]),
        reverse("annotations:member-list", args=[team_a.workspace.slug]),
        reverse("annotations:workspace-activity", args=[team_a.workspace.slug]),
        reverse("annotations:tag-list", args=[team_a.workspace.slug]),
        reverse("annotations:tag-detail", args=[team_a.workspace.slug, security.uuid]),
    ]:
        assert client.get(url).status_code == 404, url
    found = client.get(reverse("annotations:search"), {"q": "Центральная"})
    assert found.status_code == 200
    assert b"Marramgrass" not in found.content
    menu = client.get(reverse("annotations:home"), follow=True).content.decode()
    assert team_a.workspace.name not in menu


# --- Item 2: each workspace owns its codebook -------------------------------------------------


def test_codebook_pages_and_autocomplete_list_only_the_workspace_tags(client, viewer, team_a, other_workspace):
    Tag.objects.create(workspace=other_workspace, name="Their secret code")
    client.force_login(viewer)
    for url in [
        reverse("annotations:tag-list", args=[team_a.workspace.slug]),
        team_a.get_absolute_url(),
        reverse("annotations:passage-panel", args=[team_a.passages.first().uuid]),
        reverse("annotations:search"),
    ]:
        html = client.get(url).content.decode()
        assert "Security" in html, url
        assert "Their secret code" not in html, url


def test_staff_curator_of_another_workspace_cannot_rename_or_merge_our_tags(client, team_a, staff_curator_of_b):
    security = Tag.objects.get(workspace=team_a.workspace, name="Security")
    energy = Tag.objects.get(workspace=team_a.workspace, name="Energy")
    theirs = Tag.objects.create(workspace=staff_curator_of_b.memberships.get().workspace, name="Theirs")
    client.force_login(staff_curator_of_b)
    change = reverse("admin:annotations_tag_change", args=[security.pk])
    client.post(change, {"name": "Renamed by B", "color": "#000000"})
    changelist = reverse("admin:annotations_tag_changelist")
    listed = client.get(changelist).context["cl"].result_list
    assert list(listed) == [theirs]
    selected = {ACTION_CHECKBOX_NAME: [security.pk, energy.pk, theirs.pk]}
    client.post(changelist, {"action": "merge_tags", "apply": "yes", "survivor": theirs.pk, **selected})
    assert Tag.objects.get(pk=security.pk).name == "Security"
    assert Tag.objects.filter(pk=energy.pk).exists()
    assert TaggedPassage.objects.filter(tag=energy).exists()


def test_merging_tags_of_two_codebooks_is_refused(team_a, other_workspace):
    security = Tag.objects.get(workspace=team_a.workspace, name="Security")
    theirs = Tag.objects.create(workspace=other_workspace, name="Security")
    with pytest.raises(services.ServiceError, match="same workspace"):
        services.tags_merge(survivor=theirs, merged=[security])
    assert TaggedPassage.objects.filter(tag=security).exists()


def test_a_request_creates_only_a_handful_of_new_tags(client, annotator, team_a):
    passage = team_a.passages.get(order=2)
    before = Tag.objects.count()
    client.force_login(annotator)
    names = ",".join(f"spam {i}" for i in range(services.MAX_NEW_TAGS + 1))
    response = client.post(
        reverse("annotations:highlight-create", args=[passage.uuid]),
        {"start": 0, "end": 7, "tags": names},
        headers={"HX-Request": "true"},
    )
    assert f"At most {services.MAX_NEW_TAGS} new tags at a time" in response.content.decode()
    assert Tag.objects.count() == before
    assert not passage.highlights.exists()
    # Existing tags do not count against the limit.
    known = ",".join(["Security", "energy"] + [f"new {i}" for i in range(services.MAX_NEW_TAGS)])
    highlight = services.highlight_create(passage=passage, start=0, end=7, user=annotator, tags=known.split(","))
    assert TaggedHighlight.objects.filter(content_object=highlight).count() == services.MAX_NEW_TAGS + 2
    assert Tag.objects.count() == before + services.MAX_NEW_TAGS


def test_admin_add_tag_uses_each_passage_own_codebook(client, team_a, other_workspace, admin_user):
    from tests.conftest import make_report

    theirs = make_report(other_workspace, passages=1, title="Theirs").passages.get()
    ours = team_a.passages.get(order=3)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:annotations_passage_changelist"),
        {"action": "add_tag", "apply": "yes", "name": "security", ACTION_CHECKBOX_NAME: [ours.pk, theirs.pk]},
    )
    assert response.status_code == 302
    assert ours.tags.get() == Tag.objects.get(workspace=team_a.workspace, name="Security")
    assert theirs.tags.get().workspace == other_workspace


QDC = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Another team">
  <Codes>
    <Code guid="{}" name="security" isCodable="true" color="#FF0000"><Description>Theirs</Description></Code>
    <Code guid="{}" name="Water  politics" isCodable="true" color="#0f0">
      <Description>Rivers and dams.</Description>
      <Code guid="{}" name="Ürümqi" isCodable="true"/>
    </Code>
  </Codes>
</CodeBook>
""".format(*(qdc.code_guid(str(i)) for i in range(3)))


def test_import_codebook_merges_by_name(tmp_path, team_a):
    path = tmp_path / "theirs.qdc"
    path.write_text(QDC, encoding="utf-8")
    out = StringIO()
    call_command("import_codebook", str(path), "--workspace", team_a.workspace.slug, "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue()
    assert "2 new tag(s)" in out.getvalue()
    assert not Tag.objects.filter(name="Ürümqi").exists()

    call_command("import_codebook", str(path), "--workspace", team_a.workspace.slug, stdout=StringIO())
    codebook = {t.name: t for t in Tag.objects.filter(workspace=team_a.workspace)}
    assert set(codebook) == {"Security", "Energy", "Water politics", "Ürümqi"}
    assert codebook["Security"].color == "#6b7280"  # an existing tag keeps its colour...
    assert codebook["Security"].description == "Theirs"  # ...and takes a description it lacked
    assert (codebook["Water politics"].color, codebook["Water politics"].description) == ("#00FF00", "Rivers and dams.")
    call_command("import_codebook", str(path), "--workspace", team_a.workspace.slug, stdout=out)
    assert "0 new tag(s)" in out.getvalue().splitlines()[-1]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not xml at all", "not a REFI-QDA codebook"),
        (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "not a valid REFI-QDA codebook"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
            b'<Code guid="11111111-1111-1111-1111-111111111111" name="&e;" isCodable="true"/></Codes></CodeBook>',
            "not a REFI-QDA codebook",
        ),
        (
            b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
            b'<Code guid="11111111-1111-1111-1111-111111111111" name="   " isCodable="true"/></Codes></CodeBook>',
            "A tag needs a name",
        ),
        (b" " * (qdc.MAX_QDC_BYTES + 1), "codebooks are at most"),
    ],
    ids=["not-xml", "schema", "entities", "empty-name", "huge"],
)
def test_import_codebook_refuses_bad_files_and_writes_nothing(tmp_path, workspace, content, message):
    path = tmp_path / "bad.qdc"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_codebook", str(path), "--workspace", workspace.slug)
    assert not Tag.objects.exists()


def test_import_codebook_needs_an_existing_workspace(tmp_path, db):
    path = tmp_path / "theirs.qdc"
    path.write_text(QDC, encoding="utf-8")
    with pytest.raises(CommandError, match="No workspace"):
        call_command("import_codebook", str(path), "--workspace", "nowhere")


def test_curators_upload_a_codebook_on_the_codebook_page(client, curator, viewer, team_a):
    url = reverse("annotations:codebook-import", args=[team_a.workspace.slug])
    client.force_login(viewer)
    assert client.post(url, {"file": SimpleUploadedFile("c.qdc", QDC.encode())}).status_code == 403
    client.force_login(curator)
    page = client.get(reverse("annotations:tag-list", args=[team_a.workspace.slug])).content.decode()
    assert "Import a codebook" in page
    response = client.post(url, {"file": SimpleUploadedFile("c.qdc", QDC.encode())}, follow=True)
    assert "2 new tag(s)" in response.content.decode()
    assert Tag.objects.filter(workspace=team_a.workspace, name="Ürümqi").exists()
    bad = client.post(url, {"file": SimpleUploadedFile("c.qdc", b"<nope/>")})
    assert bad.status_code == 400
    assert "not a valid REFI-QDA codebook" in bad.content.decode()


@pytest.mark.skipif(not SHARED_XSD.exists(), reason="the shared REFI-QDA schema is not beside the checkout")
def test_the_bundled_schema_is_the_shared_one():
    assert qdc.SCHEMA.read_bytes() == SHARED_XSD.read_bytes()


def test_exported_codebook_imports_into_another_workspace(tmp_path, team_a, other_workspace):
    path = tmp_path / "a.qdc"
    call_command("export_annotations", "--workspace", team_a.workspace.slug, "--format", "qdc", "-o", str(path))
    call_command("import_codebook", str(path), "--workspace", other_workspace.slug, stdout=StringIO())
    assert set(Tag.objects.filter(workspace=other_workspace).values_list("name", flat=True)) == {"Security", "Energy"}


# --- Item 3: any tag name works everywhere -----------------------------------------------------

TYPED_NAMES = ["Ürümqi", "!!!", "🚩 flag", "上海合作组织", "a/b?c#d&e", "<b>bold</b>"]


def test_any_tag_name_works_in_every_page(client, annotator, team_a):
    passage = team_a.passages.get(order=2)
    client.force_login(annotator)
    for name in TYPED_NAMES:
        response = client.post(reverse("annotations:passage-tag-add", args=[passage.uuid]), {"name": name})
        assert response.status_code == 302, name
    codebook = client.get(reverse("annotations:tag-list", args=[team_a.workspace.slug]))
    assert codebook.status_code == 200
    for name in TYPED_NAMES:
        tag = Tag.objects.get(workspace=team_a.workspace, name=name)
        detail = client.get(reverse("annotations:tag-detail", args=[team_a.workspace.slug, tag.uuid]))
        assert detail.status_code == 200
        assert passage.get_absolute_url().split("#")[0] in detail.content.decode()
        filtered = client.get(team_a.get_absolute_url(), {"tag": name})
        assert [p.pk for p in filtered.context["passages"]] == [passage.pk], name
    assert client.get(reverse("annotations:report-heatmap", args=[team_a.uuid])).status_code == 200
    assert client.get(reverse("annotations:passage-panel", args=[passage.uuid])).status_code == 200
    for name in TYPED_NAMES:
        tag = Tag.objects.get(workspace=team_a.workspace, name=name)
        client.post(reverse("annotations:passage-tag-remove", args=[passage.uuid]), {"tag": str(tag.uuid)})
    assert list(passage.tags.values_list("name", flat=True)) == ["Energy"]


def test_tag_remove_with_a_malformed_tag_is_404(client, annotator, team_a):
    client.force_login(annotator)
    url = reverse("annotations:passage-tag-remove", args=[team_a.passages.first().uuid])
    assert client.post(url, {"tag": "security"}).status_code == 404


# --- Item 4: deleting a highlight keeps others' comments ---------------------------------------


def test_deleting_a_highlight_keeps_the_comments_on_it(client, annotator, curator, team_a):
    """The comments move to the passage, marked as from the removed highlight."""
    passage = team_a.passages.get(order=1)
    highlight = services.highlight_create(passage=passage, start=0, end=7, user=annotator)
    thread = services.comment_create(passage=passage, author=curator, body="The curator point", highlight=highlight)
    reply = services.comment_create(passage=passage, author=annotator, body="My answer", parent=thread)
    client.force_login(annotator)
    response = client.post(
        reverse("annotations:highlight-delete", args=[highlight.uuid]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    for comment in (thread, reply):
        comment.refresh_from_db()
        assert (comment.passage, comment.highlight, comment.removed_highlight) == (passage, None, highlight.exact)
    html = response.content.decode()
    assert "On a removed highlight" in html
    assert "The curator point" in html
    assert thread.history.first().removed_highlight == highlight.exact


def test_curators_deleting_highlights_in_the_admin_keep_comments_too(admin_client, annotator, curator, team_a):
    passage = team_a.passages.get(order=1)
    highlight = services.highlight_create(passage=passage, start=0, end=7, user=annotator)
    comment = services.comment_create(passage=passage, author=curator, body="Keep me", highlight=highlight)
    admin_client.post(
        reverse("admin:annotations_highlight_changelist"),
        {"action": "delete_selected", "post": "yes", ACTION_CHECKBOX_NAME: [highlight.pk]},
    )
    comment.refresh_from_db()
    assert not type(highlight).objects.filter(pk=highlight.pk).exists()
    assert (comment.highlight, comment.removed_highlight) == (None, highlight.exact)


# --- Item 5: adding members reveals no accounts -----------------------------------------------


def test_member_form_takes_a_full_username_or_email_and_reveals_nothing(
    client, curator, workspace, django_user_model
):
    django_user_model.objects.create_user("nina", email="nina@example.org")
    django_user_model.objects.create_user("gone", email="gone@example.org", is_active=False)
    client.force_login(curator)
    url = reverse("annotations:member-set", args=[workspace.slug])
    answers = [
        client.post(url, {"username": typed, "role": "viewer"}, follow=True).content.decode()
        for typed in ("nin", "ghost", "gone", "gone@example.org", "@example.org")
    ]
    assert all(services.NO_SUCH_ACCOUNT in answer for answer in answers)
    assert not any(name in answer for answer in answers for name in ("nina", "gone"))
    client.post(url, {"username": "NINA@example.org", "role": "viewer"})
    assert workspace.memberships.filter(user__username="nina").exists()
    page = client.get(reverse("annotations:member-list", args=[workspace.slug])).content.decode()
    assert "gone" not in page
    assert "<datalist" not in page


def test_admin_member_forms_list_no_accounts(client, staff_curator, workspace, django_user_model):
    django_user_model.objects.create_user("stranger")
    client.force_login(staff_curator)
    for url in [
        reverse("admin:annotations_membership_add"),
        reverse("admin:annotations_workspace_change", args=[workspace.pk]),
    ]:
        html = client.get(url).content.decode()
        assert "stranger" not in html, url
    add = client.post(reverse("admin:annotations_membership_add"), {"workspace": workspace.pk, "user": "strange"})
    assert services.NO_SUCH_ACCOUNT in add.content.decode()
    assert "stranger" not in add.content.decode()
    client.post(
        reverse("admin:annotations_membership_add"), {"workspace": workspace.pk, "user": "stranger", "role": "viewer"}
    )
    assert workspace.memberships.filter(user__username="stranger", role="viewer").exists()


# --- Item 6: the last curator stays one, in the admin too --------------------------------------


def test_admin_refuses_to_demote_or_remove_the_last_curator(client, staff_curator, workspace, viewer):
    client.force_login(staff_curator)
    mine = workspace.memberships.get(user=staff_curator)
    change = reverse("admin:annotations_membership_change", args=[mine.pk])
    response = client.post(change, {"workspace": workspace.pk, "user": "carl", "role": "viewer"})
    assert "at least one curator" in response.content.decode()
    delete = reverse("admin:annotations_membership_delete", args=[mine.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    inline = {
        "memberships-TOTAL_FORMS": 2,
        "memberships-INITIAL_FORMS": 2,
        "name": workspace.name,
        "slug": workspace.slug,
    }
    for i, membership in enumerate(workspace.memberships.order_by("pk")):
        inline |= {
            f"memberships-{i}-id": membership.pk,
            f"memberships-{i}-workspace": workspace.pk,
            f"memberships-{i}-user": membership.user.username,
            f"memberships-{i}-role": "viewer",
        }
    response = client.post(reverse("admin:annotations_workspace_change", args=[workspace.pk]), inline)
    assert "at least one curator" in response.content.decode()
    assert workspace.memberships.get(pk=mine.pk).role == "curator"


def test_the_model_keeps_the_last_curator(workspace, curator):
    from django.core.exceptions import ValidationError

    membership = workspace.memberships.get(user=curator)
    membership.role = "viewer"
    with pytest.raises(ValidationError, match="at least one curator"):
        membership.full_clean()
    with pytest.raises(ValidationError):
        membership.delete()
    with pytest.raises(ValidationError):
        workspace.memberships.all().delete()
    assert workspace.memberships.get(user=curator).role == "curator"


# --- Item 7: rules that could be skipped ------------------------------------------------------


def test_comment_edit_without_version_is_refused(client, annotator, team_a):
    passage = team_a.passages.get(order=1)
    comment = services.comment_create(passage=passage, author=annotator, body="Mine")
    client.force_login(annotator)
    url = reverse("annotations:comment-edit", args=[comment.uuid])
    response = client.post(url, {"body": "Overwritten"}, headers={"HX-Request": "true"})
    assert "Reload the comment" in response.context["error"]
    comment.refresh_from_db()
    assert comment.body == "Mine"


def test_only_the_thread_author_and_curators_resolve(client, annotator, curator, workspace, team_a):
    other = make_member(workspace, "olaf", "annotator")
    passage = team_a.passages.get(order=1)
    thread = services.comment_create(passage=passage, author=annotator, body="Mine to close")
    url = reverse("annotations:comment-resolve", args=[thread.uuid])
    client.force_login(other)
    assert client.post(url, {"resolved": "1"}).status_code == 403
    panel = client.get(reverse("annotations:passage-panel", args=[passage.uuid])).content.decode()
    assert url not in panel
    thread.refresh_from_db()
    assert not thread.resolved
    client.force_login(annotator)
    client.post(url, {"resolved": "1"})
    thread.refresh_from_db()
    assert thread.resolved
    client.force_login(curator)
    client.post(url, {"resolved": "0"})
    thread.refresh_from_db()
    assert not thread.resolved


def test_a_double_submitted_comment_is_created_once(client, annotator, team_a):
    passage = team_a.passages.get(order=3)
    client.force_login(annotator)
    panel = client.get(reverse("annotations:passage-panel", args=[passage.uuid])).content.decode()
    token = panel.split('name="submission" value="', 1)[1].split('"', 1)[0]
    url = reverse("annotations:comment-create", args=[passage.uuid])
    for _ in range(2):
        client.post(url, {"body": "Once", "submission": token}, headers={"HX-Request": "true"})
    assert passage.comments.filter(body="Once").count() == 1
    thread = passage.comments.get(body="Once")
    reply_url = reverse("annotations:comment-reply", args=[thread.uuid])
    for _ in range(2):
        client.post(reply_url, {"body": "Reply once", "submission": "2" * 32}, headers={"HX-Request": "true"})
    assert thread.replies.count() == 1


def test_a_form_token_cannot_reach_someone_elses_comment(client, annotator, curator, team_a):
    passage = team_a.passages.get(order=3)
    theirs = services.comment_create(passage=passage, author=curator, body="Curator's")
    client.force_login(annotator)
    response = client.post(
        reverse("annotations:comment-create", args=[passage.uuid]),
        {"body": "Mine", "submission": str(theirs.uuid)},
        headers={"HX-Request": "true"},
    )
    assert "already used" in response.context["error"]
    assert list(passage.comments.values_list("body", flat=True)) == ["Curator's"]


# --- Item 2 in sharing: fixtures carry each workspace's codebook -------------------------------


def test_a_fixture_imported_into_another_workspace_brings_its_tags_into_that_codebook(
    tmp_path, team_a, other_workspace
):
    path = tmp_path / "a.json"
    call_command("export_fixture", "--report", str(team_a.uuid), "-o", str(path))
    team_a.delete()  # moved over (its sources too): A keeps its codebook
    Source.objects.all().delete()
    Tag.objects.create(workspace=other_workspace, name="security")  # theirs already, other case
    for username in ("anna",):  # the file's authors work in the target workspace too
        Membership.objects.get_or_create(
            workspace=other_workspace, user=get_user_model().objects.get(username=username), role=Role.ANNOTATOR
        )
    call_command("import_fixture", str(path), "--workspace", other_workspace.slug, stdout=StringIO())
    theirs = Tag.objects.filter(workspace=other_workspace)
    assert sorted(theirs.values_list("name", flat=True)) == ["Energy", "security"]
    copied = other_workspace.reports.get()
    assert {link.tag.workspace_id for link in TaggedPassage.objects.filter(content_object__report=copied)} == {
        other_workspace.pk
    }
    assert Tag.objects.filter(workspace=team_a.workspace).count() == 2


def test_a_fixture_tagging_with_another_workspace_tag_is_refused(tmp_path, team_a, other_workspace):
    import json

    Tag.objects.create(workspace=other_workspace, name="Theirs")
    path = tmp_path / "all.json"
    call_command("export_fixture", "--all", "-o", str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    link = next(r for r in data if r["model"] == "annotations.taggedpassage")
    link["fields"]["tag"] = [other_workspace.slug, "Theirs"]
    path.write_text(json.dumps(data), encoding="utf-8")
    before = TaggedPassage.objects.count()
    TaggedPassage.objects.all().delete()
    with pytest.raises(CommandError, match="another workspace's codebook"):
        call_command("import_fixture", str(path), stdout=StringIO())
    assert TaggedPassage.objects.count() == 0
    assert before
