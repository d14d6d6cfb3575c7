"""Small PDFs written byte by byte, so the PDF tests need no fixture files."""


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(lines) -> bytes:
    """Lines are str (11 pt) or (str, size); "" leaves a gap. Helvetica, from the top of a letter page."""
    ops = [b"BT"]
    y = 740.0
    for line in lines:
        text, size = (line, 11) if isinstance(line, str) else line
        y -= size * 1.35
        if text:
            ops.append(b"/F1 %d Tf 1 0 0 1 72 %.1f Tm (%s) Tj" % (size, y, _escape(text)))
    ops.append(b"ET")
    return b"\n".join(ops)


def make_pdf(pages, *, title: str | None = None, info: dict[str, str] | None = None) -> bytes:
    """A PDF with one page per item of `pages` (each a list of lines; None for a page with no text).

    `info` adds entries to the document information dictionary ({"Author": ..., "CreationDate": ...}).
    """
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below, once the page tree's number is known
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    page_tree = len(objects) + 1 + 2 * len(pages)
    kids = []
    for lines in pages:
        stream = _content(lines or [])
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (page_tree, content, font)
            )
        )
    add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % page_tree
    entries = {"Title": title, **(info or {})} if title else dict(info or {})
    body = b" ".join(b"/%s (%s)" % (key.encode(), _escape(value)) for key, value in entries.items() if value)
    info_ref = add(b"<< %s >>" % body) if body else None

    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    if info_ref:
        trailer += b" /Info %d 0 R" % info_ref
    out += b"trailer\n%s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)
    return bytes(out)
