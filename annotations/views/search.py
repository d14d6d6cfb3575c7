from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from ..models import Passage, Report, Tag, Workspace
from ..search import COUNT_LIMIT, search

PAGE_SIZE = 20
# Deeper pages rank ever more rows per query; past the counted matches, refining the query serves better.
MAX_PAGE = COUNT_LIMIT // PAGE_SIZE
FILTERS = ("workspace", "report", "tag", "status", "kind")


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=500)
    workspace = forms.ModelChoiceField(
        queryset=Workspace.objects.none(), to_field_name="slug", required=False, empty_label="All workspaces"
    )
    report = forms.ModelChoiceField(
        queryset=Report.objects.none(), to_field_name="uuid", required=False, empty_label="All reports"
    )
    tag = forms.ModelChoiceField(
        queryset=Tag.objects.none(), to_field_name="uuid", required=False, empty_label="Any tag"
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *Passage.Status.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Passage.Kind.choices], required=False)
    page = forms.IntegerField(min_value=1, max_value=MAX_PAGE, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workspace"].queryset = Workspace.objects.visible_to(user).distinct()
        self.fields["report"].queryset = Report.objects.visible_to(user).only("uuid", "title").order_by("title")
        self.fields["tag"].queryset = Tag.objects.visible_to(user).only("uuid", "name")


@login_required
@vary_on_headers("HX-Request")  # the same URL answers with the page or, for htmx, the results alone
def search_page(request):
    form = SearchForm(request.GET or None, user=request.user)
    results, page = None, 1
    if form.is_valid() and form.cleaned_data["q"].strip():
        data = form.cleaned_data
        page = data["page"] or 1
        results = search(
            data["q"],
            user=request.user,
            workspace=data["workspace"],
            report=data["report"],
            tag=data["tag"],
            status=data["status"],
            kind=data["kind"],
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
    # Only the full page shows the filters. Choices listed once, through iter(): len() of a
    # ModelChoiceField's choices costs a COUNT query.
    filters = [] if request.htmx else [(form[name], list(iter(form.fields[name].choices))) for name in FILTERS]
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "filters": filters,
        "results": results,
        "page": page,
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if results and page * PAGE_SIZE < results.total and page < MAX_PAGE else None,
        "first_rank": (page - 1) * PAGE_SIZE + 1,
        "query_string": params.urlencode(),
    }
    template = "annotations/partials/_search_results.html" if request.htmx else "annotations/search.html"
    return render(request, template, context)
