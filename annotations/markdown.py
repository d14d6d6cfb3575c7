"""Comment bodies are Markdown written by users: rendered by markdown-it-py without raw HTML
("js-default" preset), then cleaned by nh3 so that nothing but plain formatting and http(s)
links reaches the page, whatever the renderer lets through.

Rendering is bounded and cached. markdown-it-py's time grows with the markup, not the text: prose
of 20,000 characters renders in milliseconds, 20,000 characters of `*[` took seconds (every `[`
starts a search for the end of a link). So a body with more than MAX_MARKUP markup characters is
shown as plain text, nesting stops at MAX_NESTING levels, and each rendering is cached under the
hash of the text, so every version of a comment is rendered once, not on every view."""

import hashlib
import re

import nh3
from django.core.cache import cache
from django.utils.html import escape, linebreaks
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

MAX_MARKUP = 500
MAX_NESTING = 20
CACHE_SECONDS = 7 * 24 * 3600
_MARKUP = re.compile(r"[\[\]*_`<>&!]")

_md = MarkdownIt("js-default", {"linkify": False, "typographer": False, "maxNesting": MAX_NESTING})

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr", "del", "s",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def render_markdown(source: str) -> str:
    source = source or ""
    key = "markdown:v1:" + hashlib.sha256(source.encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = _render(source)
        cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html)


def _render(source: str) -> str:
    if len(_MARKUP.findall(source)) > MAX_MARKUP:
        return linebreaks(escape(source))
    return nh3.clean(
        _md.render(source),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
