from urllib.parse import urlencode

from django import forms
from django.db.models import Exists, OuterRef, Q

from .models import Passage, Report, Source, SourceLink, Tag, TaggedPassage, Workspace, http_url_validator
from .search import COUNT_LIMIT
from .services import REPORT_METADATA_FIELDS


class PassageFilterForm(forms.Form):
    """The reading view's filters; they live in the query string so a filtered view can be shared."""

    tag = forms.CharField(required=False, label="Tag")
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), *Passage.Status.choices],
        widget=forms.Select(attrs={"id": "filter-status"}),
    )
    open = forms.BooleanField(required=False, label="Has open comments")
    by = forms.CharField(required=False, label="Annotated by")
    q = forms.CharField(required=False, label="Text contains", max_length=200)
    # A section's order, or "none" for the passages before the report's first heading.
    section = forms.RegexField(regex=r"^(none|\d{1,6})$", required=False, widget=forms.HiddenInput)

    FIELDS = ("status", "open", "by", "q", "section")

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        # Several tags may be chosen (?tag=a&tag=b): each one must be present.
        self.tags = [t.strip() for t in data.getlist("tag") if t.strip()] if hasattr(data, "getlist") else []
        self.is_valid()

    @property
    def active(self):
        return bool(self.tags) or any(self.cleaned_data.get(name) for name in self.FIELDS)

    def apply(self, passages):
        data = self.cleaned_data
        for name in self.tags:
            passages = passages.filter(
                Exists(TaggedPassage.objects.filter(content_object=OuterRef("pk"), tag__name__iexact=name))
            )
        if data.get("status"):
            passages = passages.filter(status=data["status"])
        if data.get("open"):
            passages = passages.with_open_threads()
        if data.get("by"):
            passages = passages.annotated_by(data["by"])
        if data.get("q"):
            passages = passages.filter(Q(text__icontains=data["q"]) | Q(label__iexact=data["q"]))
        if data.get("section") == "none":
            passages = passages.filter(section__isnull=True)
        elif data.get("section"):
            passages = passages.filter(section__order=int(data["section"]))
        return passages

    def query_items(self):
        """(name, value) pairs of the active filters, for links that keep them."""
        items = [("tag", t) for t in self.tags]
        for name in self.FIELDS:
            value = self.cleaned_data.get(name)
            if value not in (None, "", False):
                items.append((name, "1" if value is True else str(value)))
        return items

    def query_string(self, **params):
        """The active filters, then `params` (offset, outline …), as a query string."""
        return urlencode([*self.query_items(), *((k, v) for k, v in params.items() if v is not None)])

    def tag_removals(self):
        """(tag, query string of the same filters without that tag), for the removable tag chips."""
        return [(tag, urlencode([item for item in self.query_items() if item != ("tag", tag)])) for tag in self.tags]


class TagAddForm(forms.Form):
    # data-codebook: annotate.js completes the field from the panel's codebook.
    name = forms.CharField(
        max_length=100,
        label="Add a tag",
        widget=forms.TextInput(
            attrs={
                "id": "tag-input",
                "data-codebook": "",
                "autocomplete": "off",
                "placeholder": "Type to search the codebook",
                "data-shortcut-target": "t",
            }
        ),
    )


# Integers from forms stay within what every database column holds (a larger one is a 400, not a 500).
MAX_INTEGER = 2**31 - 1


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Passage.Status.choices)
    version = forms.IntegerField(min_value=0, max_value=MAX_INTEGER, widget=forms.HiddenInput)


class CommentForm(forms.Form):
    """A new comment or reply. `submission` comes with the rendered form: a double submit of the
    same form creates one comment."""

    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Comment (Markdown)")
    submission = forms.UUIDField(required=False, widget=forms.HiddenInput)


class CommentEditForm(forms.Form):
    """An edit says which version it changes, so a concurrent edit is never overwritten silently."""

    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Comment (Markdown)")
    version = forms.IntegerField(min_value=0, max_value=MAX_INTEGER, widget=forms.HiddenInput)


class HighlightForm(forms.Form):
    # start and end are filled in by annotate.js from the reader's selection.
    start = forms.IntegerField(min_value=0, max_value=MAX_INTEGER, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=1, max_value=MAX_INTEGER, widget=forms.HiddenInput)
    tags = forms.CharField(
        required=False,
        max_length=500,
        label="Tags (comma-separated)",
        widget=forms.TextInput(attrs={"data-codebook": "multi", "autocomplete": "off"}),
    )
    comment = forms.CharField(
        required=False, label="Comment (optional, Markdown)", widget=forms.Textarea(attrs={"rows": 2})
    )

    def tag_names(self):
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]


class SourceLinkForm(forms.Form):
    """Link an existing workspace source, or describe a new one by its URL."""

    source = forms.ModelChoiceField(
        queryset=Source.objects.none(), required=False, to_field_name="uuid", label="Existing source"
    )
    # The form field's own validator also takes ftp://; sources are http(s) only, as on the model.
    url = forms.URLField(
        required=False,
        max_length=1000,
        label="Or a new source: URL",
        assume_scheme="https",
        validators=[http_url_validator],
    )
    title = forms.CharField(required=False, max_length=500)
    authors = forms.CharField(required=False, max_length=500)
    publisher = forms.CharField(required=False, max_length=300)
    published_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(choices=Source.Kind.choices, initial=Source.Kind.OTHER)
    relation = forms.ChoiceField(
        choices=SourceLink.Relation.choices, initial=SourceLink.Relation.CITES, label="The passage…"
    )
    footnote = forms.CharField(required=False, max_length=20, label="Footnote marker (optional)")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    # How the panel groups the fields: what describes a new source, what describes the link.
    source_field_names = ("url", "title", "authors", "publisher", "published_on", "kind")
    link_field_names = ("relation", "footnote", "note")

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = Source.objects.filter(workspace=workspace).only("uuid", "title", "url")

    def clean(self):
        data = super().clean()
        if not data.get("source") and not data.get("url"):
            raise forms.ValidationError("Pick an existing source or give the URL of a new one.")
        if not data.get("source") and not data.get("title"):
            self.add_error("title", "A new source needs a title.")
        return data

    def new_source_fields(self):
        return {name: self.cleaned_data[name] for name in ("title", "authors", "publisher", "published_on", "kind")}


class ReportUploadForm(forms.Form):
    file = forms.FileField(label="Report file (.txt, .md, .html, .pdf)")
    title = forms.CharField(required=False, max_length=500, label="Title (optional)")


class ReportMetadataForm(forms.ModelForm):
    """Curators correct the title and bibliographic details the import read from the file."""

    source_url = forms.URLField(
        required=False, max_length=1000, assume_scheme="https", validators=[http_url_validator], label="Source URL"
    )

    class Meta:
        model = Report
        fields = REPORT_METADATA_FIELDS
        widgets = {"published_on": forms.DateInput(attrs={"type": "date"})}
        labels = {"published_on": "Published on", "report_number": "Report number"}


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Name", help_text="What the token is for.")
    read_only = forms.BooleanField(required=False, label="Read-only")
    workspace = forms.ModelChoiceField(
        queryset=None,
        required=False,
        to_field_name="slug",
        label="Only this workspace",
        empty_label="All my workspaces",
    )

    def __init__(self, *args, workspaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workspace"].queryset = workspaces


SEARCH_PAGE_SIZE = 20
# Deeper pages rank ever more rows per query; past the counted matches, refining the query serves better.
MAX_SEARCH_PAGE = COUNT_LIMIT // SEARCH_PAGE_SIZE


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
    page = forms.IntegerField(min_value=1, max_value=MAX_SEARCH_PAGE, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workspace"].queryset = Workspace.objects.visible_to(user).distinct()
        self.fields["report"].queryset = Report.objects.visible_to(user).only("uuid", "title").order_by("title")
        self.fields["tag"].queryset = Tag.objects.visible_to(user).only("uuid", "name")


class FixtureImportForm(forms.Form):
    file = forms.FileField(label="Fixture (.json or .jsonl, from export_fixture)")
    dry_run = forms.BooleanField(required=False, label="Dry run: only say what would change")
    apply_deletions = forms.BooleanField(
        required=False, label="Apply deletions: delete here what was deleted or merged away at the origin"
    )


class ExportForm(forms.Form):
    what = forms.ChoiceField(
        choices=[
            ("fixture", "The whole workspace, as a fixture (JSON)"),
            ("csv", "A report's annotations, one row per passage (CSV)"),
            ("jsonld", "A report's annotations, W3C Web Annotation (JSON-LD)"),
        ]
    )
    report = forms.ModelChoiceField(
        queryset=Report.objects.none(), required=False, to_field_name="uuid", label="Report (for CSV and JSON-LD)"
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].queryset = Report.objects.filter(workspace=workspace).order_by("title")
