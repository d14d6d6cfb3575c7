"""Bad input: each is refused with a one-line reason."""

import pytest

from annotations.importing import ReportImportError, parse_report
from annotations.importing.decoding import decode_text

LIMIT = 1024 * 1024


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "empty.txt", "empty file"),
        (b"   \n\n\t\n", "blank.md", "empty file"),
        (b"\x00\x01\x02binary\x00\x00junk" * 50, "junk.txt", "binary data"),
        (bytes(range(256)) * 20, "junk.html", "binary data"),
        (b"Some text", "report.docx", r"unsupported file type \(\.docx\)"),
        (b"Some text", "README", r"unsupported file type \(no extension\)"),
        (b"Title\n\nText \x81\x8d\x8f\x90\x9d here.\n", "odd.txt", "undecodable bytes"),
        (b"x" * (LIMIT + 1), "big.txt", r"file too large: 1\.0 MB, the limit is 1\.0 MB"),
        (b"1\n\n2\n\n3\n", "numbers.txt", "no text found"),
        (b"<html><script>only()</script></html>", "empty.html", "no text found"),
    ],
    ids=[
        "empty",
        "whitespace",
        "nul-bytes",
        "control-bytes",
        "unknown-ext",
        "no-ext",
        "undecodable",
        "too-big",
        "only-page-numbers",
        "html-without-text",
    ],  # fmt: skip
)
def test_bad_input_is_refused_with_a_reason(data, name, reason):
    with pytest.raises(ReportImportError, match=reason) as caught:
        parse_report(data, name, max_bytes=LIMIT)
    assert "\n" not in str(caught.value)


def test_decoding_tells_which_encoding_it_used():
    assert decode_text("Grüße".encode()) == ("Grüße", "")
    assert decode_text("\ufeffGrüße".encode()) == ("Grüße", "")
    assert decode_text("Grüße".encode("utf-16")) == ("Grüße", "decoded as UTF-16-LE")
    text, note = decode_text("Grüße – “quoted”".encode("cp1252"))
    assert text == "Grüße – “quoted”"
    assert "Windows-1252" in note


def test_extension_is_case_insensitive():
    report = parse_report(b"Title\n\nSome text.\n", "REPORT.TXT", max_bytes=LIMIT)
    assert report.title == "Title"
