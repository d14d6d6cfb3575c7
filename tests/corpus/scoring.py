"""Score the importer against the hand-checked gold of every file in tests/corpus/.

`python tests/corpus/scoring.py` (or `make check-import`) prints one line per file (sections
found/expected, notes, references, broken paragraphs) and a total; it exits 1 when a file falls
short of its gold. tests/test_importing_corpus.py asserts the same, file by file.
"""

import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from annotations.importing import ParsedReport, parse_report  # noqa: E402
from annotations.importing.structure import is_notes_heading  # noqa: E402

MAX_BYTES = 10 * 1024 * 1024
VERBOSE = "-v" in sys.argv
METADATA_FIELDS = ("authors", "publisher", "published_on", "report_number", "source_url")

# What must never be left in a passage: footnote markers, table pipes, Markdown syntax, page furniture.
_DIRT = {
    "footnote marker": re.compile(r"\[\^?\d{1,3}\]|\ue000|\ue002|<sup>"),
    "table pipe": re.compile(r"^\s*\||\|\s*$|\s\|\s"),
    "markdown syntax": re.compile(r"\*\*|__|^#{1,6}\s|\]\(https?:|^\s*[-*+]\s\[|^---$|<[a-z]+[ >]|\\[\\`*_\[\]]"),
    "page furniture": re.compile(
        r"^(?:Congressional Research Service|Page \d+)\s*\d*$|\bCongressional Research Service\s+\d{1,3}$"
    ),
}


def gold_files() -> list[Path]:
    return sorted((HERE / "gold").glob("*.json"))


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def dirt(text: str, kind: str) -> list[str]:
    """The kinds of left-over syntax in a passage's text; a table passage may hold its cell separators."""
    found = []
    for name, pattern in _DIRT.items():
        if name == "table pipe" and kind == "table":
            continue
        if any(pattern.search(line) for line in text.split("\n")):
            found.append(name)
    return found


@dataclass
class Score:
    file: str
    sections_found: int
    sections_expected: int
    extra_sections: list[str]
    notes: int
    notes_expected: int
    references: int
    references_expected: int
    broken: list[str]  # gold passages not found exactly (split, merged or damaged)
    known_limits: list[str] = field(default_factory=list)  # gold passages the file gives no means to find
    present: list[str] = field(default_factory=list)  # text that should have been dropped
    dirty: list[str] = field(default_factory=list)
    metadata_wrong: list[str] = field(default_factory=list)
    title_ok: bool = True

    @property
    def ok(self) -> bool:
        return (
            self.sections_found == self.sections_expected
            and not self.extra_sections
            and self.notes == self.notes_expected
            and self.references == self.references_expected
            and not self.broken
            and not self.present
            and not self.dirty
            and not self.metadata_wrong
            and self.title_ok
        )

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        text = (
            f"{mark} {self.file:28} sections {self.sections_found}/{self.sections_expected}"
            f"{f' (+{len(self.extra_sections)} extra)' if self.extra_sections else ''}"
            f"  notes {self.notes}/{self.notes_expected}  references {self.references}/{self.references_expected}"
            f"  broken paragraphs {len(self.broken)}"
            f"{f' (+{len(self.known_limits)} known limit)' if self.known_limits else ''}"
        )
        problems = []
        if not self.title_ok:
            problems.append("title")
        if self.present:
            problems.append(f"not dropped: {self.present[:3]}")
        if self.dirty:
            problems.append(f"dirty passages: {self.dirty[:3]}")
        if self.metadata_wrong:
            problems.append(f"metadata: {self.metadata_wrong}")
        if self.extra_sections:
            problems.append(f"extra sections: {self.extra_sections[:3]}")
        return text + ("  — " + "; ".join(problems) if problems else "")


def parse(path: Path) -> ParsedReport:
    return parse_report(path.read_bytes(), path.name, max_bytes=MAX_BYTES)


def score(gold_path: Path) -> Score:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    report = parse(HERE / gold["file"])
    body = [(section, passage) for section in report.sections for passage in section.passages]
    titled = [
        norm(section.title)
        for section in report.sections
        if section.title and (section.passages or not is_notes_heading(section.title))
    ]
    expected = [norm(title) for title in gold["sections"]]
    found = sum(1 for title in expected if title in titled)
    if found == len(expected) and [t for t in titled if t in expected] != expected:
        found -= 1  # all there, but out of order
    broken, known_limits = [], []
    for want in gold["passages"]:
        if want.get("kind") == "note":
            hits = [p for p in report.notes if p.label == want["label"] and norm(p.text) == norm(want["text"])]
        else:
            hits = [
                p
                for s, p in body
                if norm(p.text) == norm(want["text"])
                and ("section" not in want or norm(s.title) == norm(want["section"]))
                and ("footnotes" not in want or p.footnotes == want["footnotes"])
            ]
        if not hits and want.get("known_limit"):
            known_limits.append(want["text"][:60])
        elif not hits:
            broken.append(want["text"][:60])
            if VERBOSE:
                near = [p.text for p in report.notes + [p for _, p in body] if p.text[:30] == want["text"][:30]]
                print(f"  want {want['text']!r}\n  got  {near[:1]!r}")
    texts = [p.text for _, p in body] + [p.text for p in report.notes] + [s.title for s in report.sections]
    present = [phrase for phrase in gold.get("absent", []) if any(phrase in text for text in texts)]
    dirty = [
        f"{', '.join(kinds)}: {p.text[:40]!r}"
        for p in [p for _, p in body] + report.notes
        if (kinds := dirt(p.text, p.kind))
    ]
    metadata = report.metadata
    wrong = []
    for name, value in gold.get("metadata", {}).items():
        got = getattr(metadata, name)
        got = got.isoformat() if hasattr(got, "isoformat") else got
        if got != value:
            wrong.append(f"{name}={got!r}, want {value!r}")
    return Score(
        file=gold["file"],
        sections_found=found,
        sections_expected=len(expected),
        extra_sections=[t for t in titled if t not in expected],
        notes=len(report.notes),
        notes_expected=gold["notes"],
        references=sum(len(p.footnotes) for _, p in body),
        references_expected=gold["references"],
        broken=broken,
        known_limits=known_limits,
        present=present,
        dirty=dirty,
        metadata_wrong=wrong,
        title_ok=norm(report.title) == norm(gold["title"]),
    )


def main() -> int:
    scores = [score(path) for path in gold_files()]
    for result in scores:
        print(result.line())
    met = sum(result.ok for result in scores)
    print(
        f"total: {met}/{len(scores)} files meet their gold; sections "
        f"{sum(s.sections_found for s in scores)}/{sum(s.sections_expected for s in scores)}, notes "
        f"{sum(s.notes for s in scores)}/{sum(s.notes_expected for s in scores)}, references "
        f"{sum(s.references for s in scores)}/{sum(s.references_expected for s in scores)}, broken paragraphs "
        f"{sum(len(s.broken) for s in scores)} (+{sum(len(s.known_limits) for s in scores)} known limits)"
    )
    return 0 if met == len(scores) else 1


if __name__ == "__main__":
    sys.exit(main())
