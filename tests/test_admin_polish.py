"""Issue 16, admin items 11–14: readable passage rows with tag names, filters for untagged passages,
several tags and a searchable tag list, status edited in the list, a finder of similar tag names
with a preview of the merge, and autocomplete choices that name their report."""

import pytest
from django.urls import reverse

from annotations import services


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


def test_passage_rows_escape_hostile_tag_names(curator_client, passages):
    services.passage_add_tag(passage=passages[0], name="<script>alert(1)</script>")
    html = curator_client.get(changelist("passage")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert '<span class="tag-name">&lt;script&gt;alert(1)&lt;/script&gt;</span>' in html
