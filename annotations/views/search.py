import html
import re
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from .. import permissions
from ..forms import MAX_SEARCH_PAGE, SEARCH_PAGE_SIZE, SearchForm
from ..search import parse_query, search

FILTERS = ("workspace", "report", "tag", "status", "kind")
_MARKED = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


def _context_workspace(request, form):
    """The workspace the page belongs to: the one searched in, else the user's only one (the
    switcher's list)."""
    chosen = form.cleaned_data.get("workspace") if form.is_valid() else None
    if chosen is not None:
        return chosen
    workspaces = permissions.visible_workspaces(request.user)  # read once, reused by the switcher
    return workspaces[0] if len(workspaces) == 1 else None


def _link_with_marks(hit, terms):
    """The result's link to its passage, asking the reading view to mark the terms there: those
    typed, and the words the engine matched in this passage (stemming finds "cooperation" for
    "cooperate")."""
    words = terms + [html.unescape(word) for word in _MARKED.findall(hit.snippet)] if hit.kind == "passage" else terms
    url, _, fragment = hit.passage.get_absolute_url().partition("#")
    return f"{url}&{urlencode([('mark', word) for word in dict.fromkeys(words)])}#{fragment}"


def _link_hits_with_marks(results, query):
    terms = [term for group in parse_query(query) for term in group.include]
    for hit in results.hits:
        if hit.passage is not None:
            hit.passage_url = _link_with_marks(hit, terms)


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
    if results:
        _link_hits_with_marks(results, form.cleaned_data["q"])
    # Only the full page shows the filters. Choices listed once, through iter(): len() of a
    # ModelChoiceField's choices costs a COUNT query.
    filters = [] if request.htmx else [(form[name], list(iter(form.fields[name].choices))) for name in FILTERS]
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "workspace": None if request.htmx else _context_workspace(request, form),
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
