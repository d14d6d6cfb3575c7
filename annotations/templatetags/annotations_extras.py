import uuid
from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from annotations import links
from annotations.markdown import render_markdown
from annotations.models import hex_color_validator
from annotations.reading import split_segments

register = template.Library()

@register.filter
def markdown(source):
    return render_markdown(source)


@register.filter
def ago(moment):
    """How long ago, in words; "just now" under a minute (rather than "0 minutes ago")."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


@register.filter
def minutes(duration):
    """A timedelta in whole minutes (the login lockout's cool-off)."""
    return max(1, round(duration.total_seconds() / 60))


@register.filter
def chip_style(color):
    """Background in the tag's colour with black or white text, whichever reads better."""
    # Colours are validated on the way in; a record from before that rule falls back to grey.
    if not hex_color_validator.regex.match(color or ""):
        color = "#6b7280"
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    luminance = (0.299 * r + 0.587 * g + 0.114 * b) / 255
    return f"background:{color};color:{'#111827' if luminance > 0.6 else '#ffffff'}"


def highlight_color(highlight):
    """A highlight takes the colour of its first tag (the first one added); None without tags."""
    links = sorted(highlight.tag_links.all(), key=lambda link: link.pk)
    color = links[0].tag.color if links else ""
    return color if hex_color_validator.regex.match(color) else None


def short_id(index):
    """Highlights are numbered within their passage in base 36: "0" … "z", "10" …"""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        index, digit = divmod(index, 36)
        text = digits[digit] + text
        if not index:
            return text


@register.simple_tag
def submission_token():
    """A fresh token for a create form: submitting the same form twice creates one record."""
    return str(uuid.uuid4())


@register.simple_tag
def passage_text(passage):
    """The passage text with <mark>s for its highlights. Each run refers to the highlights covering
    it by their short ids (the passage's highlight index says once per highlight what they are;
    overlapping runs get class hl2 or hl3), so the page grows with the number of highlights, not with their overlap. No
    whitespace may be added inside the element: annotate.js measures selections against
    passage.text character for character."""
    highlights = list(passage.highlights.all())
    ids = {highlight.pk: short_id(index) for index, highlight in enumerate(highlights)}
    colors = {highlight.pk: highlight_color(highlight) for highlight in highlights}
    parts = []
    for segment in split_segments(passage.text, highlights):
        if not segment.highlights:
            parts.append(conditional_escape(segment.text))
            continue
        depth = len(segment.highlights)
        color = colors[segment.highlights[0].pk]  # the innermost highlight's colour
        parts.append(
            format_html(
                '<mark{} data-h="{}"{}>{}</mark>',
                format_html(' class="hl{}"', min(depth, 3)) if depth > 1 else "",
                " ".join(ids[h.pk] for h in segment.highlights),
                format_html(' style="--hl:{}"', color) if color else "",
                segment.text,
            )
        )
    return format_html(
        '<span class="passage-text" data-passage-text="{}">{}</span>', passage.uuid, mark_safe("".join(parts))
    )


@register.simple_tag
def highlight_index(passage):
    """Once per highlight, in short-id order (the n-th item is highlight n): its uuid and tag names
    (the marks' tooltips, the panel link)."""
    items = [
        format_html(
            '<li data-u="{}">{}</li>',
            highlight.uuid,
            ", ".join(link.tag.name for link in sorted(highlight.tag_links.all(), key=lambda link: link.pk)),
        )
        for highlight in passage.highlights.all()
    ]
    if not items:
        return ""
    return format_html('<ul class="hl-index" hidden>{}</ul>', mark_safe("".join(items)))


@register.simple_tag
def uuid_url(name, uuid):
    """`{% url name uuid %}` for uuid-only URLs, without a reverse() per record (see links.py)."""
    return links.uuid_url(name, uuid)


@register.simple_tag
def filtered_query(filters, **params):
    """`?{% filtered_query filters offset=… %}`: a link that keeps the reading view's filters (the
    query string is built in Python, PassageFilterForm.query_string, never in a template loop)."""
    return filters.query_string(**params)
