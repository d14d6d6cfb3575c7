"""Coded excerpts (issue 16, item 10): for chosen tags, every passage and highlighted quote with its
report, section, page and comments, as HTML from the codebook page and `export_annotations`, and as
DOCX; never another workspace's records, whatever is asked for."""

import io
import uuid

import docx
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotations import services
from annotations.models import Passage, Report, Section, Tag

from .conftest import make_report

SECRET = "Secret passage of the other team"


def excerpts_url(workspace, tags=(), format="html", raw=()):
    query = "&".join([f"tag={t.uuid}" for t in tags] + [f"tag={r}" for r in raw] + [f"format={format}"])
    return reverse("annotations:tag-excerpts", args=[workspace.slug]) + "?" + query


def docx_text(content):
    document = docx.Document(io.BytesIO(content))
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


@pytest.fixture
def coded(workspace, other_workspace, annotator, curator, outsider):
    """A report whose passages carry "Energy" and "Security" (one both), a highlight tagged
    "Energy" with a thread, and another team's same-named tag on its own secret passage."""
    report = make_report(workspace, passages=4, title="Pipelines and power")
    first, second, third, _fourth = report.passages.order_by("order")
    Passage.objects.filter(pk=first.pk).update(page=12)
    energy = services.passage_add_tag(passage=first, name="Energy", user=annotator)
    services.passage_add_tag(passage=first, name="Security", user=annotator)
    services.passage_add_tag(passage=third, name="Security", user=annotator)
    thread = services.comment_create(passage=first, author=annotator, body="A *key* passage on gas.")
    services.comment_create(passage=first, author=curator, body="Agreed, cite it.", parent=thread)
    highlight = services.highlight_create(passage=second, start=0, end=14, user=annotator, tags=["Energy"])
    services.comment_create(passage=second, author=curator, body="Quote this one.", highlight=highlight)
    theirs = make_report(other_workspace, passages=1, title="Their report")
    theirs_passage = theirs.passages.get()
    Passage.objects.filter(pk=theirs_passage.pk).update(text=SECRET)
    theirs_passage.refresh_from_db()
    services.passage_add_tag(passage=theirs_passage, name="Energy", user=outsider)
    return {"report": report, "energy": energy, "security": Tag.objects.get(workspace=workspace, name="Security")}


def test_viewer_reads_the_excerpts_of_a_tag(client, viewer, workspace, coded):
    client.force_login(viewer)
    response = client.get(excerpts_url(workspace, [coded["energy"]]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Passage number 1 about the SCO and Xinjiang." in html
    assert "Pipelines and power · Introduction · p. 12 · ¶ 1" in html
    assert "<mark>Passage number</mark>" in html  # the highlighted quote, in its context
    assert "A <em>key</em> passage on gas." in html
    assert "Agreed, cite it." in html
    assert "Quote this one." in html


def test_a_passage_without_the_tag_is_left_out(client, viewer, workspace, coded):
    client.force_login(viewer)
    html = client.get(excerpts_url(workspace, [coded["energy"]])).content.decode()
    assert "Passage number 3 about" not in html


def test_an_item_with_two_chosen_tags_appears_under_each(client, viewer, workspace, coded):
    client.force_login(viewer)
    html = client.get(excerpts_url(workspace, [coded["energy"], coded["security"]])).content.decode()
    assert html.count("Passage number 1 about the SCO and Xinjiang.") == 2
    assert html.index(f'id="tag-{coded["energy"].uuid}"') < html.index(f'id="tag-{coded["security"].uuid}"')


def test_the_excerpts_never_show_another_workspace(client, viewer, workspace, coded):
    client.force_login(viewer)
    html = client.get(excerpts_url(workspace, [coded["energy"]])).content.decode()
    assert SECRET not in html


def test_another_workspaces_tag_is_refused_without_its_records(client, viewer, workspace, other_workspace, coded):
    theirs = Tag.objects.get(workspace=other_workspace)
    client.force_login(viewer)
    response = client.get(excerpts_url(workspace, [theirs]))
    assert response.status_code == 400
    assert "That is not a tag of this codebook." in response.content.decode()
    assert SECRET not in response.content.decode()


def test_the_other_workspaces_excerpts_are_hidden_from_a_member_of_this_one(client, viewer, other_workspace, coded):
    theirs = Tag.objects.get(workspace=other_workspace)
    client.force_login(viewer)
    assert client.get(excerpts_url(other_workspace, [theirs])).status_code == 404


def test_the_docx_holds_quotes_places_and_comments(client, viewer, workspace, coded):
    client.force_login(viewer)
    response = client.get(excerpts_url(workspace, [coded["energy"]], format="docx"))
    text = docx_text(response.content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response["Content-Disposition"].startswith('attachment; filename="excerpts-central-asia-')
    assert "Passage number 1 about the SCO and Xinjiang." in text
    assert "Pipelines and power · Introduction · p. 12 · ¶ 1" in text
    assert "Passage number" in text.split("highlighted quote")[1]
    assert "anna" in text
    assert "A *key* passage on gas." in text
    assert SECRET not in text


def test_the_docx_quotes_are_in_the_quote_style(client, viewer, workspace, coded):
    client.force_login(viewer)
    document = docx.Document(io.BytesIO(client.get(excerpts_url(workspace, [coded["energy"]], format="docx")).content))
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert quotes == ["Passage number 1 about the SCO and Xinjiang.", "Passage number"]


def test_the_codebook_page_offers_the_export_to_viewers(client, viewer, workspace, coded):
    client.force_login(viewer)
    html = client.get(reverse("annotations:tag-list", args=[workspace.slug])).content.decode()
    assert 'id="excerpts-form"' in html
    assert f'form="excerpts-form" name="tag" value="{coded["energy"].uuid}"' in html


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "Choose at least one tag"),
        (["not-a-uuid"], "That is not a tag of this codebook."),
        (["%00"], "That is not a tag of this codebook."),
        ([str(uuid.uuid4())], "That is not a tag of this codebook."),
        ([str(uuid.uuid4()) for _ in range(51)], "Choose at most 50 tags for one export (51 chosen)."),
        (["x"] * 900, "Choose at most 50 tags for one export (900 chosen)."),
        # Past Django's DATA_UPLOAD_MAX_NUMBER_FIELDS the request is refused before the view.
        (["x"] * 20000, "Bad Request (400)"),
    ],
    ids=["none", "malformed", "nul", "unknown", "51-tags", "900-tags", "20000-tags"],
)
def test_bad_tag_choices_are_refused_with_a_message(client, viewer, workspace, coded, raw, message):
    client.force_login(viewer)
    response = client.get(excerpts_url(workspace, raw=raw))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unknown_format_is_refused(client, viewer, workspace, coded):
    client.force_login(viewer)
    response = client.get(excerpts_url(workspace, [coded["energy"]], format="pdf"))
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_a_refused_choice_keeps_the_tags_ticked(client, viewer, workspace, coded):
    client.force_login(viewer)
    html = client.get(excerpts_url(workspace, [coded["energy"]], format="pdf")).content.decode()
    assert (
        f'value="{coded["energy"].uuid}" id="export-{coded["energy"].uuid}" aria-label="Export Energy" checked' in html
    )


XSS_NAME = '<script>alert("tag")</script>'
XSS_COMMENT = "<img src=x onerror=alert(1)> **bold**"


@pytest.fixture
def hostile(workspace, annotator):
    report = make_report(workspace, passages=1, title="<b>Report</b>")
    passage = report.passages.get()
    Passage.objects.filter(pk=passage.pk).update(text="Text with a form feed \x0c and <i>markup</i>.")
    passage.refresh_from_db()
    tag = services.passage_add_tag(passage=passage, name=XSS_NAME, user=annotator)
    services.comment_create(passage=passage, author=annotator, body=XSS_COMMENT)
    return tag


def test_hostile_names_and_comments_are_text_in_the_html(client, viewer, workspace, hostile):
    client.force_login(viewer)
    html = client.get(excerpts_url(workspace, [hostile])).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;tag&quot;)&lt;/script&gt;" in html
    assert "<img" not in html
    assert "<strong>bold</strong>" in html
    assert "<i>markup</i>" not in html


def test_hostile_names_and_comments_are_plain_text_in_the_docx(client, viewer, workspace, hostile):
    client.force_login(viewer)
    text = docx_text(client.get(excerpts_url(workspace, [hostile], format="docx")).content)
    assert XSS_NAME in text
    assert XSS_COMMENT in text
    assert "Text with a form feed  and <i>markup</i>." in text  # XML cannot hold the form feed


def test_old_versions_are_left_out(client, viewer, workspace, coded):
    Report.objects.filter(pk=coded["report"].pk).update(is_latest=False)
    client.force_login(viewer)
    html = client.get(excerpts_url(workspace, [coded["energy"]])).content.decode()
    assert "Passage number 1 about" not in html


def add_coded_passages(report, tag, count):
    section = Section.objects.get(report=report)
    start = report.passages.count() + 1
    for order in range(start, start + count):
        passage = Passage.objects.create(report=report, section=section, order=order, text=f"Extra passage {order}.")
        services.passage_add_tag(passage=passage, name=tag.name)
        services.highlight_create(passage=passage, start=0, end=5, tags=[tag.name])
        services.comment_create(passage=passage, author=None, body=f"Comment {order}")


@pytest.mark.parametrize("extra", [0, 30])
def test_the_export_runs_a_fixed_number_of_queries(
    client, viewer, workspace, coded, extra, django_assert_max_num_queries
):
    add_coded_passages(coded["report"], coded["energy"], extra)
    client.force_login(viewer)
    url = excerpts_url(workspace, [coded["energy"], coded["security"]])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert "Passage number 1 about" in response.content.decode()


def test_the_command_writes_html(tmp_path, workspace, coded):
    out = tmp_path / "excerpts.html"
    call_command(
        "export_annotations",
        "--format",
        "excerpts-html",
        "--workspace",
        workspace.slug,
        "--tag",
        "energy",
        "-o",
        str(out),
    )
    html = out.read_text()
    assert "Passage number 1 about the SCO and Xinjiang." in html
    assert SECRET not in html


def test_the_command_writes_docx(tmp_path, workspace, coded):
    out = tmp_path / "excerpts.docx"
    call_command(
        "export_annotations", "--format", "excerpts-docx", "--workspace", workspace.slug,
        "--tag", "Energy", "--tag", "Security", "-o", str(out),
    )  # fmt: skip
    text = docx_text(out.read_bytes())
    assert "Passage number 3 about the SCO and Xinjiang." in text
    assert SECRET not in text


def test_the_command_names_an_unknown_tag(tmp_path, workspace, coded):
    out = tmp_path / "excerpts.html"
    with pytest.raises(CommandError, match="Not in central-asia's codebook: 'Nope'"):
        call_command(
            "export_annotations",
            "--format",
            "excerpts-html",
            "--workspace",
            workspace.slug,
            "--tag",
            "Nope",
            "-o",
            str(out),
        )
    assert not out.exists()


def test_the_command_needs_a_workspace_and_a_tag(tmp_path, workspace, coded):
    with pytest.raises(CommandError, match="takes --workspace and at least one --tag"):
        call_command(
            "export_annotations", "--format", "excerpts-docx", "--workspace", workspace.slug, "-o", str(tmp_path / "x")
        )
