"""Bulk-action plumbing: intermediate pages that ask for a choice before acting, and the fixture
download. The actions themselves live with their ModelAdmins and call annotations.services."""

import io

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from ..models import Passage, Report, Tag
from ..services import ServiceError, fixture_export_selection
from ..sharing.fixture import Selection, count_records, iter_records, write_fixture

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


# Past this many records a download would hold the request (and a worker) too long: it becomes a
# background job, whose page offers the file when it is written.
INLINE_EXPORT_RECORDS = 5000


def fixture_download(request, *, reports=None, passages=None):
    """The selected reports (with all their passages) and passages, with everything annotated on
    them, as a fixture download written by the same exporter as `manage.py export_fixture`; a
    large selection is exported by a background job (one per workspace) instead."""
    reports = reports if reports is not None else Report.objects.none()
    passages = passages if passages is not None else Passage.objects.none()
    selection = Selection.of_admin_selection(reports=reports, passages=passages)
    if count_records(selection) > INLINE_EXPORT_RECORDS:
        queued = fixture_export_selection(reports=reports, passages=passages, user=request.user)
        if len(queued) == 1:
            return redirect(queued[0])
        messages.info(
            request, f"The export runs as {len(queued)} jobs, one per workspace: see Jobs for their downloads."
        )
        return redirect(request.get_full_path())
    body = io.StringIO()
    write_fixture(iter_records(selection), body)
    response = HttpResponse(body.getvalue(), content_type="application/json")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="annotations-{stamp}.json"'
    return response
