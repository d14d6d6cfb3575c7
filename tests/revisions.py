"""Realistic revisions of a report with known ground truth, for measuring the carry-over.

Every character of a revised passage remembers where it came from (old passage, offset) or that
it is new, so where each old highlight *should* land is known exactly, whatever the aligner does.
A revision edits sentences, inserts and deletes paragraphs, rewrites some completely, moves a
section, splits and merges paragraphs, and adds a footnote (renumbering those after it).
"""

import random
import re
from dataclasses import dataclass, field

from annotations.alignment import Piece, Quote

LIGHT = {"same", "edited", "moved", "split", "merged"}  # the passages whose annotations must be carried
_WORD = re.compile(r"\w[\w'’-]*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])")
NEW_WORDS = ["notably", "regional", "Chinese", "bilateral", "increasingly", "however", "also", "security", "2016"]


@dataclass
class Draft:
    text: str
    origins: list  # per character: (old index, offset) or None for new text
    is_note: bool = False
    section: int = 0


@dataclass
class Revision:
    old: list[Piece]
    new: list[Draft]
    treatment: dict[int, str] = field(default_factory=dict)  # old index -> what happened to it

    def new_pieces(self) -> list[Piece]:
        return [Piece(d.text, d.is_note) for d in self.new]

    def where(self) -> dict[tuple[int, int], tuple[int, int]]:
        """(old index, offset) -> (new index, offset) for every character that survived."""
        found = {}
        for j, draft in enumerate(self.new):
            for pos, origin in enumerate(draft.origins):
                if origin is not None:
                    found[origin] = (j, pos)
        return found


def fresh(text, is_note=False, section=0):
    return Draft(text, [None] * len(text), is_note, section)


def revise(old_passages, sections, rng: random.Random, filler) -> Revision:
    """A revision of `old_passages` (list of (text, is_note)); `sections[i]` is passage i's section;
    `filler(rng)` writes a new paragraph."""
    old = [Piece(text, is_note) for text, is_note in old_passages]
    drafts = [Draft(p.text, [(i, k) for k in range(len(p.text))], p.is_note, sections[i]) for i, p in enumerate(old)]
    treatment = {i: "same" for i in range(len(old))}
    body = [k for k, d in enumerate(drafts) if not d.is_note and len(d.text) > 60]
    rng.shuffle(body)
    quota = max(1, len(body) // 12)
    edited, rewritten, split, merged = body[: 3 * quota], body[3 * quota : 4 * quota], body[4 * quota : 5 * quota], []
    for k in edited:
        _edit(drafts[k], rng)
        treatment[k] = "edited"
    for k in rewritten:
        drafts[k] = fresh(filler(rng), section=drafts[k].section)
        treatment[k] = "rewritten"
    for k in split:
        if _SENTENCE_END.search(drafts[k].text):
            treatment[k] = "split"
    notes = [k for k, d in enumerate(drafts) if d.is_note]
    for k in rng.sample(notes, min(len(notes), 2)):
        _edit(drafts[k], rng, edits=1)
        treatment[k] = "edited"
    # Merges: two neighbouring untouched paragraphs become one.
    for k in body[5 * quota : 6 * quota]:
        if k + 1 < len(drafts) and treatment[k] == treatment[k + 1] == "same" and not drafts[k + 1].is_note:
            merged.append(k)
            treatment[k] = treatment[k + 1] = "merged"
    deleted = [k for k in body[6 * quota : 7 * quota] if treatment[k] == "same"]
    for k in deleted:
        treatment[k] = "deleted"

    out: list[Draft] = []
    skip = set()
    for k, draft in enumerate(drafts):
        if k in skip or treatment[k] == "deleted":
            continue
        if treatment[k] == "split":
            out.extend(_split(draft))
        elif k in merged:
            nxt = drafts[k + 1]
            out.append(Draft(draft.text + " " + nxt.text, draft.origins + [None] + nxt.origins, False, draft.section))
            skip.add(k + 1)
        else:
            out.append(draft)
        if rng.random() < 0.06 and not draft.is_note:
            out.append(fresh(filler(rng), section=draft.section))  # an inserted paragraph
    _move_a_section(out, rng, treatment)
    # A new footnote at the front of the notes: every marker after it is renumbered.
    first_note = next((k for k, d in enumerate(out) if d.is_note), len(out))
    out.insert(first_note, fresh("See also the committee's 2016 annual report, chapter 3.", is_note=True))
    return Revision(old, out, treatment)


def _edit(draft: Draft, rng, edits=2):
    """A few word-level edits: a word replaced, dropped, or one added."""
    for _ in range(edits):
        words = list(_WORD.finditer(draft.text))
        if len(words) < 4:
            return
        word = rng.choice(words[1:-1])
        action = rng.choice(["replace", "drop", "insert"])
        if action == "replace":
            _splice(draft, word.start(), word.end(), rng.choice(NEW_WORDS))
        elif action == "drop" and draft.text[word.end() : word.end() + 1] == " ":
            _splice(draft, word.start(), word.end() + 1, "")
        else:
            _splice(draft, word.start(), word.start(), rng.choice(NEW_WORDS) + " ")


def _splice(draft: Draft, start, end, insert):
    draft.text = draft.text[:start] + insert + draft.text[end:]
    draft.origins = draft.origins[:start] + [None] * len(insert) + draft.origins[end:]


def _split(draft: Draft) -> list[Draft]:
    cuts = [m for m in _SENTENCE_END.finditer(draft.text)]
    cut = cuts[len(cuts) // 2]
    a, b = cut.start(), cut.end()
    return [
        Draft(draft.text[:a], draft.origins[:a], False, draft.section),
        Draft(draft.text[b:], draft.origins[b:], False, draft.section),
    ]


def _move_a_section(out: list[Draft], rng, treatment):
    """Move one body section (all its passages) to another place among the body passages."""
    body_sections = sorted({d.section for d in out if not d.is_note})
    if len(body_sections) < 3:
        return
    moved = rng.choice(body_sections[1:])
    block = [d for d in out if d.section == moved and not d.is_note]
    rest = [d for d in out if not (d.section == moved and not d.is_note)]
    first_other = next(k for k, d in enumerate(rest) if d.section != body_sections[0] or d.is_note)
    out[:] = rest[:first_other] + block + rest[first_other:]
    for d in block:
        for origin in d.origins:
            if origin is not None and treatment[origin[0]] == "same":
                treatment[origin[0]] = "moved"


# --- Annotations and scoring ---------------------------------------------------------------------


def random_quotes(old: list[Piece], rng, per_passage=3, share=0.7) -> list[tuple[int, Quote]]:
    """Highlights of 1-8 words on `share` of the passages, as (old index, Quote)."""
    quotes = []
    for i, piece in enumerate(old):
        words = list(_WORD.finditer(piece.text))
        if not words or rng.random() > share:
            continue
        for _ in range(per_passage):
            first = rng.randrange(len(words))
            last = min(len(words) - 1, first + rng.randrange(8))
            start, end = words[first].start(), words[last].end()
            text = piece.text
            quotes.append(
                (i, Quote(text[start:end], text[max(0, start - 32) : start], text[end : end + 32], start, end))
            )
    return quotes


@dataclass
class Score:
    eligible: int = 0  # annotations on unchanged or lightly edited passages whose words survive
    right: int = 0  # of those, carried to the right place
    wrong: int = 0  # carried anywhere else (of all annotations)
    orphans: int = 0
    total: int = 0
    misses: list = field(default_factory=list)

    def add(self, other):
        for name in ("eligible", "right", "wrong", "orphans", "total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses.extend(other.misses)

    @property
    def carried_share(self):
        return self.right / self.eligible if self.eligible else 1.0


def score_highlights(revision: Revision, quotes, placements) -> Score:
    where = revision.where()
    score = Score(total=len(quotes))
    for (i, quote), placed in zip(quotes, placements, strict=True):
        survived = [where[(i, k)] for k in range(quote.start, quote.end) if (i, k) in where]
        holders = {j for j, _ in survived}
        intact = (
            len(survived) == quote.end - quote.start
            and len(holders) == 1
            and survived[-1][1] - survived[0][1] == quote.end - quote.start - 1
        )
        eligible = revision.treatment[i] in LIGHT and intact
        score.eligible += eligible
        if placed is None:
            score.orphans += 1
            if eligible:
                score.misses.append(("orphan", revision.treatment[i], quote.exact))
            continue
        expected = None
        if len(holders) == 1:
            j = holders.pop()
            expected = (j, survived[0][1], survived[-1][1] + 1)
        if eligible and expected == (placed.passage, placed.start, placed.end):
            score.right += 1
        elif not eligible and expected and expected[0] == placed.passage and _iou(expected, placed) >= 0.5:
            pass  # an edited span placed over what is left of its words: fine, not counted
        else:
            score.wrong += 1
            score.misses.append(("WRONG", revision.treatment[i], quote.exact, expected, placed))
    return score


def score_passages(revision: Revision, annotated: list[int], plan) -> Score:
    """Passage-level annotations (tag links, comments, source links) of the `annotated` passages."""
    counts: dict[int, dict[int, int]] = {}
    for (i, _), (j, _) in revision.where().items():
        counts.setdefault(i, {}).setdefault(j, 0)
        counts[i][j] += 1
    score = Score(total=len(annotated))
    for i in annotated:
        eligible = revision.treatment[i] in LIGHT
        score.eligible += eligible
        targets = plan.passages.get(i, ())
        if not targets:
            score.orphans += 1
            if eligible:
                score.misses.append(("orphan", revision.treatment[i], revision.old[i].text[:60]))
            continue
        held = counts.get(i, {})
        old_length = len(revision.old[i].text)
        # Right: each target holds at least half of its own text or half of the old passage's.
        ok = all(
            held.get(j, 0) >= 0.5 * min(len(revision.new[j].text), old_length) and held.get(j, 0) > 0 for j in targets
        )
        if ok and eligible:
            score.right += 1
        elif not ok:
            score.wrong += 1
            score.misses.append(("WRONG", revision.treatment[i], revision.old[i].text[:60], targets))
    return score


def _iou(expected, placed):
    _, s, e = expected
    inter = min(e, placed.end) - max(s, placed.start)
    union = max(e, placed.end) - min(s, placed.start)
    return max(0, inter) / union
