"""Writes crs_98-304.pdf: the text of CRS report 98-304 (crs_98-304_everycrs.html) typeset as a small PDF.

Run from the project root: python tests/corpus/build_pdf.py. The PDF carries the report's metadata in
its document information dictionary, as CRS PDFs do; the corpus gold checks that it is read.
"""

import html
import re
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from tests.importing_samples.pdf import make_pdf  # noqa: E402

LINES_PER_PAGE = 44


def main() -> None:
    source = (HERE / "crs_98-304_everycrs.html").read_text(encoding="utf-8")
    main_text = source.split("<div>\n    <p>Author Contact")[0]
    blocks = re.findall(r"<(h2|p)>(.*?)</\1>", main_text, re.S)
    body: list = []
    for tag, inner in blocks:
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", inner)).split())
        if tag == "h2":
            body += ["", (text, 13), ""]
        else:
            body += textwrap.wrap(text, 92) + [""]
    pages, page = [], ["House Committee Hearings: Arranging Witnesses", ""]
    first = [("House Committee Hearings: Arranging Witnesses", 16), "", "Updated August 25, 2015", ""]
    page = first
    number = 1
    for line in body:
        if len(page) >= LINES_PER_PAGE:
            pages.append(page + ["", f"Congressional Research Service {number}"])
            number += 1
            page = ["House Committee Hearings: Arranging Witnesses", ""]
        page.append(line)
    pages.append(page + ["", f"Congressional Research Service {number}"])
    data = make_pdf(
        pages,
        title="House Committee Hearings: Arranging Witnesses",
        info={
            "Author": "Congressional Research Service",
            "Subject": "98-304",
            "CreationDate": "D:20150825000000",
        },
    )
    (HERE / "crs_98-304.pdf").write_bytes(data)


if __name__ == "__main__":
    main()
