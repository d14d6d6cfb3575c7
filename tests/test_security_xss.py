"""Hostile text in every user-writable field is shown as text on every page and admin view that
shows it: the HTML of each response is parsed, and no element, attribute or URL from the payload
corpus may have become markup."""

import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotations import services
from annotations.forms import SourceLinkForm
from annotations.markdown import render_markdown
from annotations.models import Comment, Source, SourceLink, Tag
from annotations.templatetags.annotations_extras import chip_style

from .xss_payloads import HOSTILE_HTTP_URLS, NON_HTTP_URLS, PAYLOADS, build_hostile_workspace, unique_ci

# Elements no page of ours contains, so any one of them was injected. (<svg> is not among them: the
# admin draws its icons with it; an injected one is caught by its handlers, scripts or links.)
FORBIDDEN_TAGS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "video", "audio",
    "source", "marquee", "noscript", "portal", "isindex",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "ping", "cite"}
INVISIBLE = re.compile(r"[\x00-\x20\u200b\u200c\u200d\ufeff]")
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")


class InjectionFinder(HTMLParser):
    """Collects what in a page could run script or load foreign content, and the page's text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.text = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = [(name.lower(), value or "") for name, value in attrs]
        found = self.problems.append
        values = dict(attrs)
        if tag in FORBIDDEN_TAGS:
            found(f"<{tag}> element")
        if tag == "script" and not (
            values.get("src", "").startswith(("/static/", "/admin/jsi18n/")) or values.get("type") == "application/json"
        ):
            found(f"<script> not from /static/: {attrs}")
        if tag in ("img", "link") and not (values.get("src") or values.get("href") or "").startswith("/static/"):
            found(f"<{tag}> not from /static/: {attrs}")
        # A link opening a new tab must not hand the other site window.opener (or our address).
        if tag == "a" and values.get("target") == "_blank":
            rel = values.get("rel", "").split()
            if "noopener" not in rel or "noreferrer" not in rel:
                found(f'target=_blank without rel="noopener noreferrer": {attrs}')
        if tag == "meta" and "http-equiv" in values:
            found(f"<meta http-equiv>: {attrs}")
        for name, value in attrs:
            if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")) or name == "srcdoc":
                found(f"{name}= on <{tag}>")
            if name in URL_ATTRIBUTES and INVISIBLE.sub("", value).lower().startswith(DANGEROUS_SCHEMES):
                found(f'{name}="{value}" on <{tag}>')
            if name == "style" and ("javascript:" in value.lower() or "expression(" in value.lower()):
                found(f'style="{value}" on <{tag}>')
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style and re.search(r"@import|javascript:|expression\(|url\(", data, re.I):
            self.problems.append(f"<style> with {data.strip()[:60]!r}")
        self.text.append(data)


def inspect(html):
    finder = InjectionFinder()
    finder.feed(html)
    finder.close()
    return finder.problems, "".join(finder.text)


def test_the_finder_spots_injected_markup():
    """The checker itself: each of these would be a successful injection."""
    for html in [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href=" java\tscript:alert(1)">x</a>',
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
        "<div hx-on:click=alert(1)>x</div>",
        '<meta http-equiv="refresh" content="0">',
        "<style>@import 'x'</style>",
        '<a href="https://evil.example/" target="_blank">x</a>',
        '<p style="background:url(javascript:alert(1))">',
    ]:
        assert inspect(html)[0], html
    assert inspect('<script src="/static/annotations/annotate.js"></script><a href="/r/">ok</a>') == ([], "ok")


def assert_pages_clean(client, urls, *, without_user_text=()):
    failures = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        problems, text = inspect(response.content.decode())
        failures += [f"{url}: {problem}" for problem in problems]
        # The hostile text is on the page, as text: the test looked at what it meant to.
        if "alert(1)" not in text and url not in without_user_text:
            failures.append(f"{url}: no hostile text shown")
    assert not failures, "\n".join(failures[:40])


PASSWORD = "pw-for-tests-only"


@pytest.fixture
def hostile(db):
    return build_hostile_workspace(PASSWORD)


def browser_urls(hostile):
    workspace, report, passage = hostile["workspace"], hostile["report"], hostile["passage"]
    tags = hostile["tags"]
    slug = workspace.slug
    reading = report.get_absolute_url()
    payload = PAYLOADS[0]
    return [
        reverse("annotations:home"),
        reverse("annotations:report-list", args=[slug]),
        reverse("annotations:report-list", args=[slug]) + "?" + f"q={payload}",
        reading,
        f"{reading}?tag={payload}&by={payload}&q={payload}&status=open",
        reverse("annotations:report-passages", args=[report.uuid]),
        reverse("annotations:report-heatmap", args=[report.uuid]),
        reverse("annotations:passage-detail", args=[passage.uuid]),
        reverse("annotations:passage-panel", args=[passage.uuid]),
        reverse("annotations:passage-panel", args=[passage.uuid]) + f"?highlight={passage.highlights.get().uuid}",
        reverse("annotations:passage-history", args=[passage.uuid]),
        reverse("annotations:tag-list", args=[slug]),
        *(reverse("annotations:tag-detail", args=[slug, tag.uuid]) for tag in tags[:3]),
        reverse("annotations:member-list", args=[slug]),
        reverse("annotations:workspace-activity", args=[slug]),
        *(r.get_absolute_url() for r in hostile["imported"].values()),
        reverse("password_change"),
        reverse("annotations:search") + "?q=alert",
        reverse("annotations:search") + f"?q={quote(PAYLOADS[0])}",
        reverse("annotations:search") + f"?q=script&workspace={slug}",
    ]


def test_browser_pages_show_hostile_text_as_text(client, hostile):
    client.force_login(hostile["boss"])
    assert_pages_clean(client, browser_urls(hostile))


def test_login_page_escapes_a_hostile_next(client):
    for payload in PAYLOADS:
        problems, _ = inspect(client.get(reverse("login"), {"next": payload}).content.decode())
        assert not problems, (payload, problems)


ADMIN_MODELS = ("workspace", "membership", "report", "section", "passage", "highlight", "comment", "source")
ADMIN_MODELS += ("sourcelink", "tag", "taggedpassage")


def admin_urls(hostile):
    passage = hostile["passage"]
    records = {
        "workspace": hostile["workspace"],
        "membership": hostile["workspace"].memberships.exclude(user=hostile["boss"]).first(),
        "report": hostile["report"],
        "section": hostile["report"].sections.first(),
        "passage": passage,
        "highlight": passage.highlights.get(),
        "comment": Comment.objects.filter(passage=passage).first(),
        "source": Source.objects.filter(workspace=hostile["workspace"]).first(),
        "sourcelink": SourceLink.objects.filter(passage=passage).first(),
        "tag": hostile["tags"][0],
        "taggedpassage": passage.tag_links.first(),
    }
    urls = [reverse("admin:index"), reverse("admin:recent_changes")]
    for name in ADMIN_MODELS:
        obj = records[name]
        urls += [
            reverse(f"admin:annotations_{name}_changelist"),
            reverse(f"admin:annotations_{name}_changelist") + f"?q={PAYLOADS[0]}",
            reverse(f"admin:annotations_{name}_change", args=[obj.pk]),
            reverse(f"admin:annotations_{name}_history", args=[obj.pk]),
        ]
    user = hostile["users"][0]
    urls += [reverse("admin:auth_user_changelist"), reverse("admin:auth_user_change", args=[user.pk])]
    return urls


def test_admin_pages_show_hostile_text_as_text(client, hostile):
    client.force_login(hostile["boss"])
    # Edit a few records so the history pages have changes to show.
    for comment in Comment.objects.all()[:3]:
        comment.body += " (edited)"
        comment.save()
    # The index and a section's history (its log is empty; its name is the report's) show no user text.
    section = hostile["report"].sections.first()
    quiet = [reverse("admin:index"), reverse("admin:annotations_section_history", args=[section.pk])]
    assert_pages_clean(client, admin_urls(hostile), without_user_text=quiet)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_keeps_nothing_that_runs(payload):
    problems, _ = inspect(render_markdown(payload))
    assert not problems


def test_markdown_links_stay_and_say_noopener():
    html = render_markdown("[the charter](https://example.org/sco)")
    assert 'href="https://example.org/sco"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize(
    "color", ["red;background:url(javascript:alert(1))", '#fff" onclick="alert(1)', "expression(1)"]
)
def test_tag_colours_that_are_not_hex_fall_back_to_grey(color):
    assert chip_style(color) == chip_style("#6b7280")


@pytest.mark.parametrize("url", NON_HTTP_URLS)
def test_sources_accept_only_http_and_https(workspace, url):
    with pytest.raises(ValidationError):
        services.source_get_or_create(workspace=workspace, url=url, title="x")
    form = SourceLinkForm({"url": url, "title": "x", "kind": "other", "relation": "cites"}, workspace=workspace)
    assert not form.is_valid()
    assert "url" in form.errors
    assert not Source.objects.exists()


@pytest.mark.parametrize("url", HOSTILE_HTTP_URLS)
def test_hostile_http_source_urls_stay_inside_the_href(client, annotator, report, url):
    passage = report.passages.first()
    source, _ = services.source_get_or_create(workspace=report.workspace, url=url, title="A source")
    services.source_link_create(passage=passage, source=source, user=annotator)
    client.force_login(annotator)
    response = client.get(reverse("annotations:passage-detail", args=[passage.uuid]))
    problems, _ = inspect(response.content.decode())
    assert not problems
    links = re.findall(r'<a href="([^"]*)" rel="([^"]*)" target="([^"]*)">A source</a>', response.content.decode())
    assert len(links) == 1
    href, rel, target = links[0]
    assert href.startswith(("https://", "http://"))
    assert "noopener" in rel
    assert "noreferrer" in rel
    assert target == "_blank"


def test_tag_names_from_the_panel_are_stored_as_text(client, annotator, report):
    """A hostile tag typed into the panel is kept verbatim and shown escaped."""
    passage = report.passages.first()
    client.force_login(annotator)
    names = unique_ci(PAYLOADS)[:10]
    for name in names:
        client.post(reverse("annotations:passage-tag-add", args=[passage.uuid]), {"name": name})
    assert set(names) <= set(Tag.objects.values_list("name", flat=True))
    assert_pages_clean(client, [reverse("annotations:passage-detail", args=[passage.uuid]), report.get_absolute_url()])


def test_lockout_page_shows_a_hostile_username_as_text(db, client, settings):
    payload = "<img src=x onerror=alert(1)>"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("login"), {"username": payload, "password": "wrong"})
    assert response.status_code == 429
    problems, text = inspect(response.content.decode())
    assert not problems
    assert payload in text
