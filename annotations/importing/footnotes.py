"""Footnote markers: find them in passage text, take them out, and recognise note bodies.

Markers come in many shapes once a PDF has been flattened to text: glued to a word or to
punctuation ("region.1", "entail.*"), separated by a space ("evil. 7 The", "societies, 30 not"),
in brackets ("text [3] more"), as Unicode superscripts ("text³"), or (from HTML and Markdown,
where the markup says so) as sentinels the parsers insert with `sentinel()`. A bare number is only
taken for a marker when it continues the ascending sequence of marker numbers seen so far, which
is what tells "region.1" from "in 2014", "12,000 soldiers" or "3.4 million".
"""

import re
from dataclasses import dataclass, field

# Private-use characters: parsers of structured formats wrap markers they are sure of in the first
# pair, and superscript numbers (markers only if a note has that number) in the second.
SENTINEL_OPEN = "\ue000"
SENTINEL_CLOSE = "\ue001"
SUPERSCRIPT_OPEN = "\ue002"
SUPERSCRIPT_CLOSE = "\ue003"

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
# Punctuation after which a number or symbol is glued in typeset footnote references.
_PUNCT = ".,;:!?)]\"”’'"

# The lookahead lets the scan skip at once the many positions where no candidate can start.
_CANDIDATE = re.compile(
    r"(?=[ \t\ue000\ue002\[⁰¹²³⁴⁵⁶⁷⁸⁹*†‡§\d])(?:"
    r"(?P<sentinel>[ \t]?\ue000(?P<s_marker>[^\ue001]{1,12})\ue001)"
    r"|(?P<superscript>\ue002(?P<sup_marker>[^\ue003]{1,12})\ue003)"
    r"|(?P<bracket>[ \t]?\[(?P<bracket_num>\d{1,3})\](?!\())"
    r"|(?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
    r"|(?<=\S)(?P<sym>\*{1,3}|[†‡§]{1,3})(?=\s|$)"
    r"|(?<=[.,;:!?)\]\"”’'])(?P<spaced>[ \t]+)(?=\d)(?P<sp_num>\d{1,3})(?=\s|$)"
    r"|(?<=[^\W\d_]|[.,;:!?)\]\"”’'])(?P<g_num>\d{1,3})(?=[\s.,;:)\]]|$)"
    r")"
)

# The start of a note body: "12 Text", "12. Text" (in a notes section), "[12] Text", "* Text", "¹² Text".
NOTE_START = re.compile(
    r"^(?:\[(?P<bracket>\d{1,3})\]|(?P<num>\d{1,3})(?!\d)(?P<dot>[.)])?|(?P<sym>\*{1,3}|[†‡§]{1,3})"
    r"|(?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹]+))[ \t]*(?P<rest>\S.*)$"
)


def sentinel(marker: str) -> str:
    """Wrap a marker that markup identified for sure, so `MarkerScanner` takes it unconditionally."""
    return f"{SENTINEL_OPEN}{marker}{SENTINEL_CLOSE}"


def superscript(text: str) -> str:
    """Wrap a superscript number from markup: a marker if a note has that label, else plain text."""
    return f"{SUPERSCRIPT_OPEN}{text}{SUPERSCRIPT_CLOSE}"


def strip_sentinels(text: str) -> str:
    """Remove sentinel markers and unwrap superscripts (on note bodies and titles)."""
    text = re.sub(r"[ \t]?\ue000[^\ue001]*\ue001", "", text)
    return text.replace(SUPERSCRIPT_OPEN, "").replace(SUPERSCRIPT_CLOSE, "")


@dataclass
class MarkerScanner:
    """Takes markers out of passages, in reading order, remembering the marker sequence.

    `heuristic` False keeps only markers the markup marked (sentinels, brackets, superscripts):
    for HTML and Markdown that mark their footnotes explicitly.
    `note_labels` are the markers that have a note body; a "*" glued to a word is a marker only then.
    """

    note_labels: set[str] = field(default_factory=set)
    heuristic: bool = True
    expected: int = 1
    seen: list[str] = field(default_factory=list)

    def extract(self, text: str) -> tuple[str, list[str]]:
        """Return the text without markers and the markers found, in order, without repeats."""
        found: list[str] = []
        pieces: list[str] = []
        last = 0
        for match in _CANDIDATE.finditer(text):
            marker = self._accept(match, text)
            if marker is None:
                continue
            pieces.append(text[last : match.start()])
            last = match.end()
            if marker not in found:
                found.append(marker)
        pieces.append(text[last:])
        self.seen.extend(found)
        cleaned = "".join(pieces).replace(SUPERSCRIPT_OPEN, "").replace(SUPERSCRIPT_CLOSE, "")
        return (tidy_spaces(cleaned) if found else cleaned), found

    def _accept(self, match: re.Match, text: str) -> str | None:
        if match.group("sentinel"):
            marker = match.group("s_marker").strip()
            if marker.isdigit():
                self.expected = int(marker) + 1
            return marker
        if match.group("superscript"):
            marker = match.group("sup_marker").strip()
            if marker in self.note_labels:
                if marker.isdigit():
                    self.expected = int(marker) + 1
                return marker
            # Without numbered notes to check against, a superscript that continues the sequence.
            numbered_notes = any(label.isdigit() for label in self.note_labels)
            if self.heuristic and not numbered_notes and marker.isdigit():
                return self._take_number(int(marker))
            return None  # "km²" next to notes that have no such number
        if match.group("bracket"):
            return self._take_number(int(match.group("bracket_num")), force=True)
        if match.group("sup"):
            return self._take_number(int(match.group("sup").translate(_SUPERSCRIPTS)), force=True)
        if match.group("g_num"):
            number = int(match.group("g_num"))
            if not _glued_context_ok(text, match.start()) or not _sentence_goes_on_well(text, match):
                return None
            if not self.heuristic:
                # Markup marked the references: a bare number counts only if it is the next one and has a note.
                return self._take_number(number) if str(number) in self.note_labels else None
            if number == self.expected or self.expected < number <= self.expected + 3:
                return self._take_number(number, force=True)
            # Notes numbered per chapter start again at 1.
            if number == 1 and self.expected > 3 and text[match.start() - 1] in _PUNCT:
                return self._take_number(number, force=True)
            return None
        if not self.heuristic:
            return None
        if match.group("sym"):
            symbol = match.group("sym")
            # A "*" after a word is more often emphasis or a wildcard than a marker, unless a note has it.
            if symbol in self.note_labels or text[match.start() - 1] in _PUNCT:
                return symbol
            return None
        if _digit_before_punct(text, match.start()) or not _sentence_goes_on_well(text, match):
            return None  # "items 1, 2, 3": a series of numbers, not a marker
        return self._take_number(int(match.group("sp_num")))

    def _take_number(self, number: int, force: bool = False) -> str | None:
        if force or number == self.expected:
            self.expected = number + 1
            return str(number)
        return None


def _digit_before_punct(text: str, pos: int) -> bool:
    """True when the punctuation before `pos` follows a digit, as in "12,000" or "3.4"."""
    return pos >= 2 and text[pos - 2].isdigit()


def _glued_context_ok(text: str, pos: int) -> bool:
    """Can a number glued at `pos` be a marker? Not in "3.4", "220,000", "G20" or "CO2"."""
    before = text[pos - 1]
    if before.isalpha():
        word = re.search(r"[^\W\d_]+$", text[:pos]).group()
        return not word.isupper()
    if before in ".," and pos >= 2 and text[pos - 2].isdigit():
        # "in 2014.12" is a year then a marker; "3.4" and "12,000" are numbers.
        digits = re.search(r"\d+$", text[: pos - 1]).group()
        return before == "." and len(digits) == 4 and not text[: pos - 1 - 4].endswith((".", ","))
    return True


def _sentence_goes_on_well(text: str, match: re.Match) -> bool:
    """After a sentence's full stop and a marker, the next sentence starts: "region.1 Furthermore".

    "ASN.1 library", "Figure A.1 shows" and "in 2010. 12 people" go on in lower case: no marker.
    """
    start = match.start("spaced") if match.group("spaced") else match.start()
    if text[start - 1] not in ".!?":
        return True
    following = text[match.end() :].lstrip(" \t)]\"”’'")
    return not following or not following[0].islower()


def tidy_spaces(text: str) -> str:
    """Collapse the whitespace left behind where markers were taken out."""
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def note_start(line: str) -> tuple[str, str, bool] | None:
    """Split a line that may open a note body into (marker, rest, has_dot); None if it cannot."""
    match = NOTE_START.match(line)
    if not match:
        return None
    if match.group("bracket"):
        return match.group("bracket"), match.group("rest"), False
    if match.group("num"):
        return match.group("num"), match.group("rest"), bool(match.group("dot"))
    if match.group("sym"):
        return match.group("sym"), match.group("rest"), False
    return match.group("sup").translate(_SUPERSCRIPTS), match.group("rest"), False


def referenced_markers(line: str) -> set[str]:
    """Markers that `line` may reference, without sequence checks: enough to accept a note body later."""
    found: set[str] = set()
    for match in _CANDIDATE.finditer(line):
        if match.group("s_marker"):
            found.add(match.group("s_marker").strip())
        elif match.group("sup_marker"):
            found.add(match.group("sup_marker").strip())
        elif match.group("bracket_num"):
            found.add(str(int(match.group("bracket_num"))))
        elif match.group("sup"):
            found.add(str(int(match.group("sup").translate(_SUPERSCRIPTS))))
        elif match.group("sym"):
            found.add(match.group("sym"))
        elif match.group("sp_num") and not _digit_before_punct(line, match.start()):
            found.add(str(int(match.group("sp_num"))))
        elif match.group("g_num") and _glued_context_ok(line, match.start()):
            found.add(str(int(match.group("g_num"))))
    return found
