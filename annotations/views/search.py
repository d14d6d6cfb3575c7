from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from ..forms import MAX_SEARCH_PAGE, SEARCH_PAGE_SIZE, SearchForm
from ..search import search

FILTERS = ("workspace", "report", "tag", "status", "kind")


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
            limit=SEARCH_PAGE_SIZE,
            offset=(page - 1) * SEARCH_PAGE_SIZE,
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
        "next_page": page + 1
        if results and page * SEARCH_PAGE_SIZE < results.total and page < MAX_SEARCH_PAGE
        else None,
        "first_rank": (page - 1) * SEARCH_PAGE_SIZE + 1,
        "query_string": params.urlencode(),
    }
    template = "annotations/partials/_search_results.html" if request.htmx else "annotations/search.html"
    return render(request, template, context)
