"""Render once, serve many times: each passage's reading-view fragment is cached under its
annotation stamp, which every write to the passage raises (annotations/signals.py), so a cached
fragment is never stale: a write makes a new key, and the old entry simply ages out.

The fragment also depends on the reader's role (the "Annotate" or "Details" link), which is part
of the key. Section headings stay outside the fragment (they depend on the filters)."""

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from ..models import Passage
from ..reading import note_finder

# Raise when _passage.html or what it shows changes, so no fragment of the old markup is served.
FRAGMENT_VERSION = 5
FRAGMENT_TIMEOUT = 7 * 24 * 3600


def fragment_key(passage, can_annotate):
    """By uuid, not pk: a pk can come back (a rolled-back insert, a restored database), a uuid not."""
    return f"passage-fragment:v{FRAGMENT_VERSION}:{passage.uuid.hex}:{passage.annotation_stamp}:{int(can_annotate)}"


def _render_fresh(pks, report, can_annotate):
    """Render the passages `pks` from the database (a fixed number of queries) and cache them."""
    return {
        passage.pk: html
        for passage, html in _render(list(Passage.objects.filter(pk__in=pks).for_reading()), report, can_annotate)
    }


def _render(passages, report, can_annotate):
    """[(passage, html)] for passages read `for_reading()`, cached under their stamps."""
    markers = {str(marker) for passage in passages for marker in passage.footnotes or []}
    find_notes = note_finder(
        Passage.objects.filter(report_id=report.pk, kind=Passage.Kind.NOTE, label__in=markers).only(
            "uuid", "order", "label", "text"
        )
        if markers
        else []
    )
    rendered = []
    for passage in passages:
        passage.note_refs = find_notes(passage)
        context = {"passage": passage, "report": report, "can_annotate": can_annotate}
        rendered.append((passage, render_to_string("annotations/partials/_passage.html", context)))
    cache.set_many({fragment_key(p, can_annotate): html for p, html in rendered}, FRAGMENT_TIMEOUT)
    return rendered


def passage_fragments(passages, *, report, can_annotate):
    """{pk: html} for `passages` (rows with pk and annotation_stamp, read before this call):
    cached fragments where the stamp matches, the rest rendered and cached."""
    keys = {passage.pk: fragment_key(passage, can_annotate) for passage in passages}
    found = cache.get_many(list(keys.values()))
    # Our own rendering of escaped text (render_to_string), whichever cache it came back from.
    fragments = {pk: mark_safe(found[key]) for pk, key in keys.items() if key in found}
    missing = [pk for pk in keys if pk not in fragments]
    if missing:
        fragments.update(_render_fresh(missing, report, can_annotate))
    return fragments


def fresh_fragment(passage, *, can_annotate, oob=False):
    """The passage's fragment after a write (always a new stamp, so rendered, then cached for the
    next reader); with `oob`, marked for htmx to swap it in place out of band."""
    return reread_fragment(passage, can_annotate=can_annotate, oob=oob)[1]


def reread_fragment(passage, *, can_annotate, oob=False):
    """(the passage read afresh `for_reading()`, its fresh fragment): a write's answer can reuse
    what the fragment read (its highlights with their tags) instead of asking again."""
    reread = Passage.objects.filter(pk=passage.pk).for_reading().get()
    [(reread, html)] = _render([reread], passage.report, can_annotate)
    if oob:
        opening = f'<article id="p-{passage.uuid}"'
        html = mark_safe(html.replace(opening, f'{opening} hx-swap-oob="true"', 1))
    return reread, html
