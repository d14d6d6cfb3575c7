"""Bytes to text, refusing what is not text."""

from .structure import ReportImportError

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode UTF-8 (with or without a byte order mark), UTF-16 with a BOM, or Windows-1252.

    Returns the text and a note for the report's warnings ("" for plain UTF-8). Raises
    ReportImportError for binary data and for bytes that none of these encodings can read.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as error:
                raise ReportImportError(f"undecodable bytes: not valid {encoding} text ({error.reason})") from None
            _refuse_binary(text)
            return text, "" if encoding == "utf-8" else f"decoded as {encoding.upper()}"
    _refuse_binary_bytes(data)
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise ReportImportError("undecodable bytes: neither UTF-8 nor Windows-1252 text") from None
    return text, "not UTF-8: decoded as Windows-1252 (cp1252); check accented and special characters"


def _refuse_binary_bytes(data: bytes) -> None:
    sample = data[:65536]
    if not sample:
        return
    controls = sum(1 for byte in sample if byte < 32 and byte not in b"\t\n\r\f")
    if b"\x00" in sample or controls > 0.01 * len(sample):
        raise ReportImportError("binary data, not text (NUL or control bytes)")


def _refuse_binary(text: str) -> None:
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    if sample and controls > 0.01 * len(sample):
        raise ReportImportError("binary data, not text (NUL or control bytes)")
