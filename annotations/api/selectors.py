"""W3C selectors <-> spans of a passage's text. Offsets are Unicode code points, as the Web
Annotation model defines TextPositionSelector and as Highlight.start/end store them."""

from ..services import ServiceError


def selectors_of(highlight):
    """The TextQuoteSelector and TextPositionSelector of a highlight."""
    return [
        {"type": "TextQuoteSelector", "exact": highlight.exact, "prefix": highlight.prefix, "suffix": highlight.suffix},
        {"type": "TextPositionSelector", "start": highlight.start, "end": highlight.end},
    ]


def span_of(text, selectors):
    """(start, end) in `text` that the selectors point at. A TextPositionSelector wins when its span
    still shows the quote (if one is given); otherwise the quote is searched for, and its prefix and
    suffix pick among several occurrences."""
    by_type = {s.get("type"): s for s in selectors if isinstance(s, dict)}
    position, quote = by_type.get("TextPositionSelector"), by_type.get("TextQuoteSelector")
    if position is None and quote is None:
        raise ServiceError("Give a TextQuoteSelector or a TextPositionSelector.")
    if position is not None:
        start, end = position.get("start"), position.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise ServiceError(f"The TextPositionSelector is outside the passage (length {len(text)}).")
        if quote is None or text[start:end] == quote.get("exact"):
            return start, end
    exact = quote.get("exact") if quote is not None else None
    if not isinstance(exact, str) or not exact:
        raise ServiceError("The TextQuoteSelector's exact text does not match the passage.")
    prefix, suffix = quote.get("prefix") or "", quote.get("suffix") or ""
    found, best, at = None, -1, text.find(exact)
    while at >= 0:
        score = text[:at].endswith(prefix) + text[at + len(exact) :].startswith(suffix)
        if score > best:
            found, best = at, score
        at = text.find(exact, at + 1)
    if found is None:
        raise ServiceError("The TextQuoteSelector's exact text does not occur in the passage.")
    return found, found + len(exact)
