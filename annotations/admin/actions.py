"""Bulk-action plumbing: intermediate pages that ask for a choice before acting, and the fixture
download. The actions themselves live with their ModelAdmins and call annotations.services."""

import json
from itertools import chain

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F, Q
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from ..models import (
    Comment,
    Highlight,
    Passage,
    Report,
    Section,
    Source,
    SourceLink,
    Tag,
    TaggedHighlight,
    TaggedPassage,
    TaggedReport,
    Workspace,
)
from ..services import ServiceError

SHOWN_OBJECTS = 50


def action_page(model_admin, request, queryset, *, action, title, form=None, template=None, **context):
    """The page between choosing an action and running it. Its form posts the same action back
    with the chosen pks and "apply", so the changelist re-scopes the selection on the way."""
    opts = model_admin.model._meta
    return TemplateResponse(
        request,
        template or "admin/annotations/action_form.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "opts": opts,
            "action": action,
            "form": form,
            "shown": list(queryset[:SHOWN_OBJECTS]),
            "selected_pks": list(queryset.values_list("pk", flat=True)),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": model_admin.media + (form.media if form else forms.Media()),
            **context,
        },
    )


def bound_form(form_class, request, **kwargs):
    """The action's form, bound once the user applied it on the intermediate page."""
    return form_class(request.POST if "apply" in request.POST else None, **kwargs)


def run_service(model_admin, request, call, success):
    """Run a service call; report its result or its ServiceError as an admin message."""
    try:
        result = call()
    except ServiceError as error:
        model_admin.message_user(request, " ".join(error.messages), messages.ERROR)
    else:
        model_admin.message_user(request, success(result), messages.SUCCESS)


class TagNameForm(forms.Form):
    name = forms.CharField(
        label="Tag",
        max_length=100,
        help_text="An existing tag is matched whatever its case; a new name adds a tag to the codebook.",
        widget=forms.TextInput(attrs={"list": "codebook-tags", "autofocus": True}),
    )


class ChooseTagForm(forms.Form):
    tag = forms.ModelChoiceField(queryset=Tag.objects.none(), label="Tag to remove", empty_label=None)

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = tags


class SurvivorForm(forms.Form):
    """Pick the record that stays when several are merged into one."""

    survivor = forms.ModelChoiceField(queryset=None, widget=forms.RadioSelect, empty_label=None)

    def __init__(self, *args, candidates, label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].queryset = candidates
        self.fields["survivor"].label = label


def fixture_download(*, reports=None, passages=None):
    """A Django fixture (JSON, natural keys) of the given reports and passages with everything
    annotated on them, as a download. For a report, all its passages come along.

    Stands in for the exporter of annotations/exporting/ until it lands: same natural keys (uuids,
    tag names, workspace slugs, usernames), users without password hashes."""
    report_ids = (reports if reports is not None else Report.objects.none()).values("pk")
    passage_ids = (passages if passages is not None else Passage.objects.none()).values("pk")
    passage_qs = Passage.objects.filter(Q(pk__in=passage_ids) | Q(report__in=report_ids))
    passage_qs = passage_qs.select_related("report", "section__report")
    report_qs = Report.objects.filter(Q(pk__in=report_ids) | Q(pk__in=passage_qs.values("report_id")))
    report_qs = report_qs.select_related("workspace", "imported_by")
    highlight_qs = Highlight.objects.filter(passage__in=passage_qs).select_related("passage", "created_by")
    link_qs = SourceLink.objects.filter(passage__in=passage_qs).select_related(
        "passage", "source", "highlight", "added_by"
    )
    comment_qs = Comment.objects.filter(passage__in=passage_qs).select_related(
        "passage", "highlight", "parent", "author"
    )
    tag_links = [
        TaggedReport.objects.filter(content_object__in=report_qs).select_related("content_object", "tag"),
        TaggedPassage.objects.filter(content_object__in=passage_qs).select_related("content_object", "tag", "added_by"),
        TaggedHighlight.objects.filter(content_object__in=highlight_qs).select_related(
            "content_object", "tag", "added_by"
        ),
    ]
    tag_ids = set().union(*(links.values_list("tag_id", flat=True) for links in tag_links))
    user_ids = (
        set(report_qs.values_list("imported_by", flat=True))
        | set(highlight_qs.values_list("created_by", flat=True))
        | set(link_qs.values_list("added_by", flat=True))
        | set(comment_qs.values_list("author", flat=True))
        | set().union(*(links.values_list("added_by", flat=True) for links in tag_links[1:]))
    )
    natural = {"use_natural_foreign_keys": True, "use_natural_primary_keys": True}
    users = get_user_model().objects.filter(pk__in=user_ids)
    # Dependency order, so loaddata can resolve every natural key as it goes; threads before replies.
    records = chain(
        Workspace.objects.filter(reports__in=report_qs).distinct(),
        Tag.objects.filter(pk__in=tag_ids),
        report_qs,
        Section.objects.filter(report__in=report_qs).select_related("report"),
        passage_qs,
        highlight_qs,
        Source.objects.filter(links__in=link_qs).distinct().select_related("workspace"),
        link_qs,
        comment_qs.order_by(F("parent_id").asc(nulls_first=True), "created_at", "id"),
        *tag_links,
    )
    rows = serializers.serialize("python", users, fields=["username"], **natural)
    rows += serializers.serialize("python", records, **natural)
    body = json.dumps(rows, cls=DjangoJSONEncoder, indent=1)
    response = HttpResponse(body, content_type="application/json")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="annotations-{stamp}.json"'
    return response
