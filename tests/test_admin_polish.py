"""Issue 16, admin items 11–14: readable passage rows with tag names, filters for untagged passages,
several tags and a searchable tag list, status edited in the list, a finder of similar tag names
with a preview of the merge, and autocomplete choices that name their report."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from annotations import services
from annotations.models import Passage, Tag, TaggedPassage

from .conftest import make_report


def changelist(model_name):
    return reverse(f"admin:annotations_{model_name}_changelist")


@pytest.fixture
def curator_client(client, staff_curator):
    client.force_login(staff_curator)
    return client


@pytest.fixture
def passages(report):
    return list(report.passages.order_by("order"))


def listed(client, model_name, query=""):
    response = client.get(changelist(model_name) + query)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


# --- Item 11: readable rows -------------------------------------------------------------------


def test_passage_rows_name_their_tags(curator_client, passages):
    services.passage_add_tag(passage=passages[0], name="SCO")
    services.passage_add_tag(passage=passages[0], name="energy")
    html = curator_client.get(changelist("passage")).content.decode()
    chips = '<span class="tag-name">energy</span> <span class="tag-name">SCO</span>'
    assert f'<td class="field-tag_names">{chips}</td>' in html


def test_highlight_rows_name_their_tags(curator_client, passages):
    services.highlight_create(passage=passages[0], start=0, end=7, tags=["SCO", "energy"])
    html = curator_client.get(changelist("highlight")).content.decode()
    chips = '<span class="tag-name">energy</span> <span class="tag-name">SCO</span>'
    assert f'<td class="field-tag_names">{chips}</td>' in html


def test_passage_rows_escape_hostile_tag_names(curator_client, passages):
    services.passage_add_tag(passage=passages[0], name="<script>alert(1)</script>")
    html = curator_client.get(changelist("passage")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert '<span class="tag-name">&lt;script&gt;alert(1)&lt;/script&gt;</span>' in html


# --- Item 12: filters and status in the list ---------------------------------------------------


@pytest.fixture
def coded(passages):
    """Passage 1: SCO and Ürümqi; passage 2: SCO; passage 3: no tag."""
    sco = services.passage_add_tag(passage=passages[0], name="SCO")
    urumqi = services.passage_add_tag(passage=passages[0], name="Ürümqi")
    services.passage_add_tag(passage=passages[1], name="SCO")
    return {"sco": sco, "urumqi": urumqi}


def tag_filter(response):
    return next(spec for spec in response.context["cl"].filter_specs if spec.title == "tag")


def test_untagged_filter_lists_passages_without_tags(curator_client, passages, coded):
    assert listed(curator_client, "passage", "?tag=none") == [passages[2]]


def test_tag_filter_requires_every_chosen_tag(curator_client, passages, coded):
    query = f"?tag={coded['urumqi'].uuid}&tag={coded['sco'].uuid}"
    assert listed(curator_client, "passage", query) == [passages[0]]


def test_tag_filter_offers_to_require_another_tag(curator_client, passages, coded):
    response = curator_client.get(changelist("passage") + f"?tag={coded['sco'].uuid}")
    links = {
        choice["display"]: choice["query_string"] for choice in tag_filter(response).choices(response.context["cl"])
    }
    assert links["Ürümqi"] == f"?tag={coded['sco'].uuid}&tag={coded['urumqi'].uuid}"
    assert links["SCO"] == "?"


def test_tag_filter_search_ignores_case_and_accents(curator_client, passages, coded):
    response = curator_client.get(changelist("passage") + "?tag_q=URUM")
    assert response.status_code == 200
    assert [tag.name for tag in tag_filter(response).offered] == ["Ürümqi"]


def test_tag_filter_search_keeps_the_other_filters(curator_client, passages, coded):
    response = curator_client.get(changelist("passage") + "?status__exact=open&tag_q=sc")
    html = response.content.decode()
    assert '<input type="hidden" name="status__exact" value="open">' in html
    assert 'name="tag_q" value="sc"' in html


def test_tag_filter_lists_a_long_codebook_in_part(curator_client, passages):
    for i in range(40):
        services.passage_add_tag(passage=passages[0], name=f"code {i:02}")
    response = curator_client.get(changelist("passage"))
    assert len(tag_filter(response).offered) == 25
    assert "15 more tags: type to find them." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("?tag=not-a-uuid", "A chosen tag is not in the codebook of these rows."),
        ("?tag=%00", "A chosen tag is not in the codebook of these rows."),
        ("?" + "&".join(f"tag={uuid}" for uuid in [f"00000000-0000-0000-0000-{i:012}" for i in range(11)]),
         "Require at most 10 tags at once."),
    ],
    ids=["malformed", "nul", "eleven"],
)  # fmt: skip
def test_bad_tag_choices_list_nothing_and_say_why(curator_client, passages, coded, query, error):
    response = curator_client.get(changelist("passage") + query)
    assert list(response.context["cl"].result_list) == []
    assert error in response.content.decode()


def test_another_workspaces_tag_filters_nothing_in(curator_client, passages, coded, other_workspace):
    theirs = services.passage_add_tag(passage=make_report(other_workspace).passages.first(), name="SCO")
    assert listed(curator_client, "passage", f"?tag={theirs.uuid}") == []


def test_a_huge_tag_search_is_cut_short(curator_client, passages, coded):
    response = curator_client.get(changelist("passage") + "?tag_q=" + "x" * 20_000)
    assert response.status_code == 200
    assert len(tag_filter(response).search) == 100


def test_hostile_tag_names_are_text_in_the_filter(curator_client, passages):
    services.passage_add_tag(passage=passages[0], name='"><script>alert(1)</script>')
    html = curator_client.get(changelist("passage")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def status_formset(passages, statuses):
    data = {"form-TOTAL_FORMS": len(passages), "form-INITIAL_FORMS": len(passages), "_save": "Save"}
    for i, (passage, status) in enumerate(zip(passages, statuses, strict=True)):
        data[f"form-{i}-id"] = passage.pk
        data[f"form-{i}-status"] = status
    return data


def test_status_is_edited_in_the_list(curator_client, passages):
    statuses = ["approved", "open", "flagged"]
    response = curator_client.post(changelist("passage") + "?o=3", status_formset(passages, statuses))
    assert response.status_code == 302
    assert list(Passage.objects.order_by("order").values_list("status", flat=True)) == statuses


def test_status_edited_in_the_list_is_recorded(curator_client, passages):
    curator_client.post(changelist("passage") + "?o=3", status_formset(passages, ["approved", "open", "open"]))
    first = Passage.objects.get(pk=passages[0].pk)
    assert first.version == passages[0].version + 1
    assert first.history.latest().status == "approved"


def test_status_in_the_list_refuses_an_unknown_status(curator_client, passages):
    response = curator_client.post(changelist("passage") + "?o=3", status_formset(passages, ["done", "open", "open"]))
    assert response.status_code == 200
    assert "Select a valid choice. done is not one of the available choices." in response.content.decode()
    assert Passage.objects.get(pk=passages[0].pk).status == "open"


# --- Item 14: autocomplete choices name their report ---------------------------------------------


def autocomplete(client, model_name, field_name, term=""):
    query = {"app_label": "annotations", "model_name": model_name, "field_name": field_name, "term": term}
    response = client.get(reverse("admin:autocomplete"), query)
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


def test_passage_choices_in_autocomplete_name_their_report(curator_client, passages):
    texts = autocomplete(curator_client, "comment", "passage", "number 2")
    assert texts == ["A report · ¶ 2 · Passage number 2 about the SCO and Xinjiang."]


def test_passage_choices_of_two_reports_can_be_told_apart(curator_client, workspace, passages):
    make_report(workspace, passages=1, title="Another report")
    texts = autocomplete(curator_client, "sourcelink", "passage", "number 1")
    assert sorted(texts) == [
        "A report · ¶ 1 · Passage number 1 about the SCO and Xinjiang.",
        "Another report · ¶ 1 · Passage number 1 about the SCO and Xinjiang.",
    ]


def test_passage_autocomplete_of_tag_links_names_the_report(curator_client, passages):
    assert autocomplete(curator_client, "taggedpassage", "content_object", "number 3") == [
        "A report · ¶ 3 · Passage number 3 about the SCO and Xinjiang."
    ]


def test_the_chosen_passage_of_a_comment_names_its_report(curator_client, curator, passages):
    comment = services.comment_create(passage=passages[1], author=curator, body="Hm.")
    url = reverse("admin:annotations_comment_change", args=[comment.pk])
    html = curator_client.get(url).content.decode()
    assert f'<option value="{passages[1].pk}" selected>A report · ¶ 2 · Passage number 2 about' in html


def test_autocomplete_offers_no_passage_of_another_workspace(client, staff_outsider, passages):
    client.force_login(staff_outsider)
    assert autocomplete(client, "comment", "passage", "number") == []


def test_passage_autocomplete_queries_do_not_grow_with_results(
    curator_client, workspace, django_assert_max_num_queries
):
    make_report(workspace, passages=40)
    with django_assert_max_num_queries(10):
        texts = autocomplete(curator_client, "comment", "passage", "number")
    assert len(texts) == 20


# --- Item 13: merging tags ---------------------------------------------------------------------


def similar_url():
    return reverse("admin:annotations_tag_similar")


@pytest.fixture
def lookalikes(workspace, other_workspace, passages):
    """Our codebook: Pipelines/pipeline, Ürümqi/urumqi, Xinjiang/Xinjang, SCO, SCB, Energy;
    another team's "pipeline" and "Xinjiang"."""
    names = ["Pipelines", "pipeline", "Ürümqi", "urumqi", "Xinjiang", "Xinjang", "SCO", "SCB", "Energy"]
    for i, name in enumerate(names):
        services.passage_add_tag(passage=passages[i % 3], name=name)
    theirs = make_report(other_workspace, passages=1).passages.get()
    services.passage_add_tag(passage=theirs, name="pipeline")
    services.passage_add_tag(passage=theirs, name="Xinjiang")


def test_similar_names_are_found_in_each_codebook(curator_client, lookalikes):
    response = curator_client.get(similar_url())
    groups = [[tag.name for tag in group.tags] for group in response.context["groups"]]
    assert response.status_code == 200
    assert groups == [["pipeline", "Pipelines"], ["Ürümqi", "urumqi"], ["Xinjang", "Xinjiang"]]


def test_similar_names_say_why(curator_client, lookalikes):
    html = curator_client.get(similar_url()).content.decode()
    assert "singular and plural" in html
    assert "same words apart from case, accents or punctuation" in html
    assert "a letter or two apart" in html


def test_similar_names_lead_to_the_merge_of_their_group(curator_client, lookalikes, workspace):
    html = curator_client.get(similar_url()).content.decode()
    pks = sorted(
        Tag.objects.filter(workspace=workspace, name__in=["pipeline", "Pipelines"]).values_list("pk", flat=True)
    )
    form = html[html.index('<form method="post" action="/admin/annotations/tag/"') :]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="action" value="merge_tags">' in form
    assert sorted(int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', form)) == pks


def test_a_curator_of_another_workspace_finds_only_their_own(client, staff_outsider, lookalikes):
    client.force_login(staff_outsider)
    response = client.get(similar_url())
    assert response.status_code == 200
    assert response.context["groups"] == []


def test_staff_who_curate_nothing_cannot_open_the_finder(client, django_user_model, lookalikes):
    client.force_login(django_user_model.objects.create_user("stan", is_staff=True))
    assert client.get(similar_url()).status_code == 403


def test_merge_page_previews_the_result(curator_client, workspace, passages):
    energy = services.passage_add_tag(passage=passages[0], name="Energy")
    services.passage_add_tag(passage=passages[1], name="Energy")
    energies = services.passage_add_tag(passage=passages[1], name="energies")
    services.highlight_create(passage=passages[2], start=0, end=7, tags=["energies"])
    data = {"action": "merge_tags", "index": 0, ACTION_CHECKBOX_NAME: [energy.pk, energies.pk]}
    html = curator_client.post(changelist("tag"), data).content.decode()
    assert "After the merge, the tag you keep is on 2 passages, 1 highlight and 0 reports" in html
    assert "1 passage carries two of these tags and keeps one link." in html


def test_merge_page_refuses_tags_of_two_codebooks_before_anything_is_chosen(admin_client, workspace, other_workspace):
    ours = Tag.objects.create(workspace=workspace, name="SCO", slug="sco")
    theirs = Tag.objects.create(workspace=other_workspace, name="SCO", slug="sco-2")
    data = {"action": "merge_tags", "index": 0, ACTION_CHECKBOX_NAME: [ours.pk, theirs.pk]}
    html = admin_client.post(changelist("tag"), data).content.decode()
    assert "These tags belong to 2 workspaces: only tags of one codebook can be merged." in html


def test_tag_usage_counts_only_the_tags_own_workspace(curator_client, workspace, other_workspace, passages):
    tag = services.passage_add_tag(passage=passages[0], name="SCO")
    stray = make_report(other_workspace, passages=1).passages.get()
    # A link into another workspace (from before the rule, or a bad import): never counted.
    TaggedPassage.objects.bulk_create([TaggedPassage(content_object=stray, tag=tag)])
    listed_tag = listed(curator_client, "tag")[0]
    assert listed_tag.passage_count == 1


def test_hostile_tag_names_are_text_in_the_finder(curator_client, passages):
    services.passage_add_tag(passage=passages[0], name="<script>alert(1)</script>")
    services.passage_add_tag(passage=passages[1], name="<script>alert(1)</script>s")
    html = curator_client.get(similar_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;s" in html
