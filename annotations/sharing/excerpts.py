"""Coded excerpts, as qualitative researchers write up from: for each chosen tag of one workspace's
codebook, every passage and highlighted quote carrying it, with its report, section, page and
comment threads. HTML to read and print, DOCX (python-docx) to write in.

An item carrying two of the chosen tags appears under both, as a code's retrieval lists it. Only the
workspace's current report versions are read (older versions' annotations live on in the newest)."""

import io
import re
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from ..models import hex_color_validator
from .export_query import tagged_for_excerpts

# The web download stops at this many passages and as many highlights; the command has no limit.
EXCERPT_LIMIT = 5000
# Characters XML 1.0 cannot hold (C0 controls other than tab and newlines, lone surrogates,
# U+FFFE/U+FFFF): python-docx refuses them, so they are dropped from the DOCX.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass
class Thread:
    comment: object
    replies: list


@dataclass
class Excerpt:
    """A tagged passage (quote None) or a highlighted quote of one."""

    passage: object
    quote: object = None
    threads: list = field(default_factory=list)

    @property
    def report(self):
        return self.passage.report

    @property
    def where(self):
        """Report, section, page and passage label, as a reader cites it."""
        parts = [self.report.title]
        if self.passage.section:
            parts.append(self.passage.section.title)
        if self.passage.page is not None:
            parts.append(f"p. {self.passage.page}")
        parts.append(f"¶ {self.passage.label or self.passage.order}")
        return " · ".join(parts)


@dataclass
class TagExcerpts:
    tag: object
    excerpts: list = field(default_factory=list)

    @property
    def color(self):
        """The tag's colour for a style attribute: only ever #RRGGBB (grey for a record older than that rule)."""
        return self.tag.color if hex_color_validator.regex.match(self.tag.color or "") else "#888888"


@dataclass
class Excerpts:
    workspace: object
    tags: list
    made_at: object
    passages_cut: bool = False
    highlights_cut: bool = False
    limit: object = None

    @property
    def count(self):
        return sum(len(group.excerpts) for group in self.tags)

    @property
    def notes(self):
        """What a cut export says about what it left out."""
        cut = [
            kind for kind, is_cut in (("passages", self.passages_cut), ("highlights", self.highlights_cut)) if is_cut
        ]
        return [
            f"Only the first {self.limit:,} {kind} (in reading order) are included: choose fewer tags for the rest."
            for kind in cut
        ]


def _threads(record):
    return [Thread(comment, comment.live_replies) for comment in record.threads]


def collect_excerpts(workspace, tags, *, limit=None):
    """The excerpts of `tags` (tags of `workspace`), grouped by tag in name order, each group in
    reading order with a passage before the quotes highlighted in it."""
    tags = sorted(tags, key=lambda tag: tag.name.lower())
    passages, highlights = tagged_for_excerpts(workspace, tags, limit)
    result = Excerpts(workspace=workspace, tags=[TagExcerpts(tag) for tag in tags], made_at=timezone.now(), limit=limit)
    if limit is not None:
        result.passages_cut, result.highlights_cut = len(passages) > limit, len(highlights) > limit
        passages, highlights = passages[:limit], highlights[:limit]
    groups = {group.tag.pk: group for group in result.tags}
    items = [(p, Excerpt(p, threads=_threads(p))) for p in passages]
    items += [(h, Excerpt(h.passage, quote=h, threads=_threads(h))) for h in highlights]
    for record, excerpt in items:
        for link in record.tag_links.all():
            groups[link.tag_id].excerpts.append(excerpt)
    for group in result.tags:
        group.excerpts.sort(key=_reading_order)
    return result


def _reading_order(excerpt):
    passage = excerpt.passage
    span = (0, -1, -1) if excerpt.quote is None else (1, excerpt.quote.start, excerpt.quote.end)
    return (passage.report.title.lower(), passage.report_id, passage.order, *span)


def excerpts_html(excerpts, *, base_url=""):
    """A standalone HTML document (styles inline, for reading and printing); links into the app
    when `base_url` (scheme and host) is given."""
    return render_to_string("annotations/excerpts_export.html", {"x": excerpts, "base_url": base_url})


def _clean(text):
    return _NOT_XML.sub("", str(text))


def _when(moment):
    return date_format(timezone.localtime(moment), "j M Y")


def excerpts_docx(excerpts):
    """The excerpts as a Word document (bytes): a heading per tag, each excerpt's source line, its
    text as a quote, its comment threads as a bulleted list (replies indented)."""
    from docx import Document  # imported here: only this export needs it
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = _clean(f"Coded excerpts · {excerpts.workspace.name}")
    document.add_heading(_clean(f"Coded excerpts · {excerpts.workspace.name}"), level=0)
    names = ", ".join(group.tag.name for group in excerpts.tags)
    document.add_paragraph(_clean(f"Tags: {names}. Exported {_when(excerpts.made_at)}; {excerpts.count} excerpts."))
    for note in excerpts.notes:
        document.add_paragraph(note)
    for group in excerpts.tags:
        document.add_heading(_clean(group.tag.name), level=1)
        if group.tag.description:
            document.add_paragraph(_clean(group.tag.description)).runs[0].italic = True
        if not group.excerpts:
            document.add_paragraph("No passage or highlight carries this tag.")
        for excerpt in group.excerpts:
            source = document.add_paragraph()
            source.add_run(_clean(excerpt.where)).bold = True
            if excerpt.quote is not None:
                source.add_run(" — highlighted quote")
            source.paragraph_format.space_after = Pt(2)
            source.paragraph_format.keep_with_next = True
            text = excerpt.passage.text if excerpt.quote is None else excerpt.quote.exact
            document.add_paragraph(_clean(text), style="Quote")
            for thread in excerpt.threads:
                _docx_comment(document, thread.comment, "List Bullet", resolved=thread.comment.resolved)
                for reply in thread.replies:
                    _docx_comment(document, reply, "List Bullet 2")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_comment(document, comment, style, resolved=False):
    paragraph = document.add_paragraph(style=style)
    author = comment.author.get_username() if comment.author else "someone"
    label = f"{author}, {_when(comment.created_at)}" + (" (resolved)" if resolved else "") + ": "
    paragraph.add_run(_clean(label)).bold = True
    # The Markdown source as written: Word shows *emphasis* marks plainly, and nothing in it runs.
    paragraph.add_run(_clean(comment.body))
