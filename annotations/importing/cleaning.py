"""Character clean-up and line joining shared by the parsers."""

import re
from collections.abc import Iterable

_CID = re.compile(r"\(cid:\d+\)")
_CHARACTERS = {
    "ﬀ": "ff",
    "ﬁ": "fi",
    "ﬂ": "fl",
    "ﬃ": "ffi",
    "ﬄ": "ffl",
    "ﬅ": "st",
    "ﬆ": "st",
    "\u00a0": " ",  # no-break space
    "\u2007": " ",  # figure space
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow no-break space
    "\t": "    ",
    "\u00ad": "",  # soft hyphen: only ever a hyphenation hint
    "\u200b": "",  # zero-width space
    "\u2060": "",  # word joiner
    "\ufeff": "",  # byte order mark
    "\r": "",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_LINE_END_HYPHEN = re.compile(r"(?<![^\W\d_])[^\W\d_]+-[ \t]*\n[ \t]*[^\W\d_]+")
_LETTERS_AT_END = re.compile(r"[^\W\d_]+$")
_LETTERS_AT_START = re.compile(r"^[^\W\d_]+")

# Prefixes that make real compounds ("non-traditional", "counter-organization") far more often
# than they end a syllable at a line break.
COMPOUND_PREFIXES = {"anti", "counter", "non", "quasi", "self", "semi", "well"}
# Word endings that are never a word of their own: "govern-" / "ment" is one word.
SUFFIXES = {
    "able", "al", "ally", "ance", "ed", "ence", "er", "ers", "est", "ible", "ing", "ings", "ism", "ist",
    "ists", "ities", "ity", "ive", "ly", "ment", "ments", "ness", "ous", "sion", "sions", "tion", "tions",
}  # fmt: skip


def normalise_characters(text: str) -> str:
    """Undo PDF-extraction artefacts at the character level: (cid:NNN), ligatures, odd spaces."""
    text = text.replace("\r\n", "\n")
    text = _CID.sub("", text)
    # One str.replace per character is much faster on megabytes than str.translate with a table.
    for character, replacement in _CHARACTERS.items():
        if character in text:
            text = text.replace(character, replacement)
    return _CONTROL.sub("", text)


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())


class Vocabulary:
    """The words of one document, used to decide whether a line-end hyphen belongs to the word."""

    def __init__(self, text: str):
        # Words split by a line-end hyphen would otherwise count as evidence for themselves.
        text = _LINE_END_HYPHEN.sub(" ", text.lower())
        self.words: set[str] = set()
        self.compounds: set[str] = set()
        for word in _WORD.findall(text):
            if "-" in word:
                self.compounds.add(word)
                self.words.update(word.split("-"))
            else:
                self.words.add(word)

    def keeps_hyphen(self, left: str, right: str) -> bool:
        """Is `left-` + `right` (split at a line end) a real compound rather than a hyphenated word?"""
        if right[:1].isupper() or left[-1:].isupper():
            return True  # "Sino-" / "Russian", "HIV-" / "positive"
        a, b = left.lower(), right.lower()
        if a + b in self.words or b in SUFFIXES:
            return False
        if f"{a}-{b}" in self.compounds or a in COMPOUND_PREFIXES:
            return True
        return len(a) >= 3 and len(b) >= 3 and a in self.words and b in self.words


def join_lines(lines: Iterable[str], vocabulary: Vocabulary | None = None) -> str:
    """Join wrapped lines into one paragraph, repairing line-end hyphenation and dashes."""
    vocabulary = vocabulary or Vocabulary("")
    parts: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not parts:
            parts.append(line)
            continue
        previous = parts[-1]
        if previous.endswith("-") and len(previous) > 1 and previous[-2].isalpha() and line[0].isalpha():
            left = _LETTERS_AT_END.search(previous[:-1])
            right = _LETTERS_AT_START.match(line)
            if left and right and not vocabulary.keeps_hyphen(left.group(), right.group()):
                parts[-1] = previous[:-1]
            parts.append(line)
        elif previous.endswith(("—", "–")) and len(previous) > 1 and not previous[-2].isspace():
            parts.append(line)  # "outreach—" / "that is": a dash glued to the word joins without a space
        else:
            parts.append(" " + line)
    return collapse_whitespace("".join(parts))
