import uuid

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from annotations import links
from annotations.markdown import render_markdown
from annotations.models import hex_color_validator
from annotations.reading import split_segments

register = template.Library()

@register.filter
def markdown(source):
    return render_markdown(source)


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


@register.simple_tag
def submission_token():
    """A fresh token for a create form: submitting the same form twice creates one record."""
    return str(uuid.uuid4())


@register.simple_tag
def passage_text(passage):
    """The passage text with <mark>s for its highlights. No whitespace may be added inside the
    element: annotate.js measures selections against passage.text character for character."""
    parts = []
    for segment in split_segments(passage.text, passage.highlights.all()):
        if not segment.highlights:
            parts.append(conditional_escape(segment.text))
            continue
        depth = min(len(segment.highlights), 3)
        parts.append(
            format_html(
                '<mark class="hl hl-depth-{}" data-highlights="{}" title="{}">{}</mark>',
                depth,
                " ".join(str(h.uuid) for h in segment.highlights),
                "Highlight: " + ", ".join(t.tag.name for h in segment.highlights for t in h.tag_links.all())
                if any(h.tag_links.all() for h in segment.highlights)
                else "Highlight",
                segment.text,
            )
        )
    return format_html(
        '<span class="passage-text" data-passage-text="{}">{}</span>', passage.uuid, mark_safe("".join(parts))
    )


@register.simple_tag
def uuid_url(name, uuid):
    """`{% url name uuid %}` for uuid-only URLs, without a reverse() per record (see links.py)."""
    return links.uuid_url(name, uuid)
