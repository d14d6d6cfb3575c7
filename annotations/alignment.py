"""Align the passages of two versions of a report and re-anchor highlights: pure text, no Django.

Passages are aligned in three rounds. (1) Identical text (whitespace aside) pairs first; a text
that occurs several times is paired by its neighbours, or in order when both versions hold it
equally often. (2) The remaining passages of the same family (notes with notes, body with body)
are paired by similarity, best pairs first, when the best candidate is clearly better than the
runner-up (a deleted paragraph must not fall onto a look-alike). (3) A pairing grows over
neighbouring unpaired passages when that makes the texts more alike: a paragraph split in two,
or two paragraphs merged into one.

Highlights are found again from their W3C TextQuoteSelector (exact, prefix, suffix) in the
passages their old passage was aligned with, helped by where a character diff of the two texts
puts the old offsets. Each placement gets a confidence; below CONFIDENCE_MIN the highlight is an
orphan for a curator to place, because a highlight on the wrong words is worse than none.

rapidfuzz (C++, MIT) does the string work: `process.cdist` scores all unpaired passages against
each other in one call, which keeps a 1,000-passage report well inside the time budget, and
`Indel`/`Levenshtein` give character opcodes for the offset map. diff-match-patch was the other
candidate; its Bitap matcher is limited to 32-character patterns and it is pure Python.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

CONFIDENCE_MIN = 0.8  # below this a highlight is an orphan
FUZZY_MIN = 80.0  # minimum similarity (0-100) to pair two passages that are not identical
TRUSTED = 90.0  # a pair this alike needs no identical neighbours nearby to vouch for its place
FUZZY_MARGIN = 6.0  # the best candidate must beat the runner-up by this much
FUZZY_MIN_LENGTH = 24  # shorter passages pair only when identical: "Yes." and "No." are 57 % alike
GROW_GAIN = 3.0  # a split/merge group is kept when it raises the similarity by this much
MAX_GROUP = 6  # the most passages a split or merge can span
SANDWICH_MIN = 60.0  # a passage between two paired neighbours pairs at this similarity

_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Piece:
    """One passage as the aligner sees it: its text and whether it is a note (footnote/endnote)."""

    text: str
    is_note: bool = False


@dataclass
class Link:
    """Old passages `old` correspond to new passages `new` (1:1, a split 1:n or a merge n:1)."""

    old: tuple[int, ...]
    new: tuple[int, ...]
    score: float  # 0-100 similarity of the joined texts
    how: str  # "same", "edited", "split", "merged"


@dataclass
class Alignment:
    links: list[Link]
    old_count: int
    new_count: int
    by_old: dict[int, Link] = field(default_factory=dict)
    by_new: dict[int, Link] = field(default_factory=dict)

    def __post_init__(self):
        for link in self.links:
            for i in link.old:
                self.by_old[i] = link
            for j in link.new:
                self.by_new[j] = link

    def removed(self) -> list[int]:
        return [i for i in range(self.old_count) if i not in self.by_old]

    def added(self) -> list[int]:
        return [j for j in range(self.new_count) if j not in self.by_new]


# --- Passage alignment ---------------------------------------------------------------------------


def align(old: list[Piece], new: list[Piece]) -> Alignment:
    """Which passages of `new` continue which passages of `old` (indices into the lists)."""
    old_norm = [normalize(p.text) for p in old]
    new_norm = [normalize(p.text) for p in new]
    pairs: dict[int, int] = {}
    _pair_identical(old, new, old_norm, new_norm, pairs)
    scores = {i: 100.0 for i in pairs}
    _pair_similar(old, new, old_norm, new_norm, pairs, scores)
    _pair_sandwiched(old, new, old_norm, new_norm, pairs, scores)
    links = [Link((i,), (j,), scores[i], "same" if scores[i] == 100.0 else "edited") for i, j in pairs.items()]
    links = _grow(links, old_norm, new_norm, old, new)
    links.sort(key=lambda link: link.old[0])
    return Alignment(links, len(old), len(new))


def _pair_identical(old, new, old_norm, new_norm, pairs):
    where_new: dict[tuple[bool, str], list[int]] = {}
    for j, text in enumerate(new_norm):
        if text:
            where_new.setdefault((new[j].is_note, text), []).append(j)
    where_old: dict[tuple[bool, str], list[int]] = {}
    for i, text in enumerate(old_norm):
        if text:
            where_old.setdefault((old[i].is_note, text), []).append(i)
    repeated = []
    for key, olds in where_old.items():
        news = where_new.get(key, [])
        if len(olds) == 1 and len(news) == 1:
            pairs[olds[0]] = news[0]
        elif news:
            repeated.append((olds, news))
    # Repeated texts ("Thank you."): a copy pairs with the copy its old neighbour's partner sits
    # next to; failing that, in order when both versions hold the same number of copies.
    for olds, news in repeated:
        taken = set()
        for i in olds:
            for neighbour, step in ((i - 1, 1), (i + 1, -1)):
                j = pairs.get(neighbour)
                if j is not None and (j + step) in news and (j + step) not in taken:
                    pairs[i] = j + step
                    taken.add(j + step)
                    break
        rest_old = [i for i in olds if i not in pairs]
        rest_new = [j for j in news if j not in taken]
        if rest_old and len(rest_old) == len(rest_new):
            pairs.update(zip(rest_old, rest_new, strict=True))


def _pair_similar(old, new, old_norm, new_norm, pairs, scores):
    anchors = sorted(pairs.items())
    for is_note in (False, True):
        used = set(pairs.values())
        olds = [i for i in range(len(old)) if i not in pairs and old[i].is_note == is_note]
        news = [j for j in range(len(new)) if j not in used and new[j].is_note == is_note]
        olds = [i for i in olds if len(old_norm[i]) >= FUZZY_MIN_LENGTH]
        news = [j for j in news if len(new_norm[j]) >= FUZZY_MIN_LENGTH]
        if not olds or not news:
            continue
        choices = [new_norm[j] for j in news]
        candidates = []
        for i in olds:
            # Rivals count from FUZZY_MIN - FUZZY_MARGIN, so a near-miss still makes a pair ambiguous.
            hits = process.extract(
                old_norm[i], choices, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN - FUZZY_MARGIN, limit=None
            )
            candidates.extend((score, i, news[b]) for _, score, b in hits)
        candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
        by_old: dict[int, list] = {}
        by_new: dict[int, list] = {}
        for score, i, j in candidates:
            by_old.setdefault(i, []).append((score, j))
            by_new.setdefault(j, []).append((score, i))
        paired_old, paired_new = set(), set()
        for score, i, j in candidates:
            if score < FUZZY_MIN or i in paired_old or j in paired_new:
                continue
            # Ambiguous: another free passage is nearly as good a partner on either side.
            rival = max(
                [s for s, k in by_old[i] if k != j and k not in paired_new]
                + [s for s, k in by_new[j] if k != i and k not in paired_old]
                + [0.0]
            )
            if score - rival >= FUZZY_MARGIN and (score >= TRUSTED or _in_place(i, j, anchors)):
                pairs[i] = j
                scores[i] = float(score)
                paired_old.add(i)
                paired_new.add(j)
        _pair_by_neighbours(by_old, pairs, scores)


def _in_place(i, j, anchors, reach=3, slack=5):
    """Whether new passage j sits about where old passage i did, next to one of the few identical
    passages around it: a paragraph deleted here is not continued by a look-alike inserted far
    away. Moved sections take their identical passages along, so edited passages inside them pass
    the second test: close to one of the few identical passages before or after them."""
    if not anchors:
        return True
    k = bisect_right(anchors, (i, -1))
    low = anchors[k - 1][1] if k > 0 else -1
    high = anchors[k][1] if k < len(anchors) else float("inf")
    if low < j < high:  # between its identical neighbours, however much was inserted there
        return True
    for old_at, new_at in anchors[max(0, k - reach) : k]:
        if 0 < j - new_at <= i - old_at + slack:
            return True
    for old_at, new_at in anchors[k : k + reach]:
        if 0 < new_at - j <= old_at - i + slack:
            return True
    return False


def _pair_by_neighbours(by_old, pairs, scores):
    """Near-ties ("Interview, 3 May" and "Interview, 4 May") are settled by position: the one
    candidate that sits right after the partner of the passage before (or right before the
    partner of the passage after) wins."""
    changed = True
    while changed:
        changed = False
        used = set(pairs.values())
        for i, options in by_old.items():
            if i in pairs:
                continue
            beside = {pairs[i - 1] + 1 if i - 1 in pairs else None, pairs[i + 1] - 1 if i + 1 in pairs else None}
            fits = [(score, j) for score, j in options if score >= FUZZY_MIN and j not in used and j in beside]
            if len(fits) == 1:
                pairs[i], scores[i] = fits[0][1], float(fits[0][0])
                used.add(fits[0][1])
                changed = True


def _pair_sandwiched(old, new, old_norm, new_norm, pairs, scores):
    """A short passage edited between two paired neighbours ("See 23 C.F.R. § 650.313.") pairs
    with the one passage between their partners, if that one is still alike. The ends of the
    report count as paired neighbours."""
    used = set(pairs.values())
    for i in range(len(old)):
        before = -1 if i == 0 else pairs.get(i - 1)
        after = len(new) if i == len(old) - 1 else pairs.get(i + 1)
        if i in pairs or before is None or after is None or after - before != 2:
            continue
        j = before + 1
        if j in used or new[j].is_note != old[i].is_note:
            continue
        score = fuzz.ratio(old_norm[i], new_norm[j])
        if score >= SANDWICH_MIN:
            pairs[i], scores[i] = j, score
            used.add(j)


def _grow(links, old_norm, new_norm, old, new):
    """Extend pairs over unpaired neighbours: splits (1:n) and merges (n:1). A passage split
    evenly pairs with neither half, so a free passage that contains a free passage of the other
    version almost verbatim seeds a group too."""
    free_old = set(range(len(old))) - {i for link in links for i in link.old}
    free_new = set(range(len(new))) - {j for link in links for j in link.new}
    grown = []
    for link in links:
        if link.how != "same":
            link = _extend(link, "new", free_new, new_norm, old_norm, new)
            if len(link.new) == 1:
                link = _extend(link, "old", free_old, old_norm, new_norm, old)
        grown.append(link)
    for i in sorted(free_old):
        seed = _contained_seed(old_norm[i], old[i].is_note, free_new, new_norm, new)
        if seed is not None:
            link = _extend(
                Link((i,), (seed,), fuzz.ratio(old_norm[i], new_norm[seed]), "edited"),
                "new",
                free_new,
                new_norm,
                old_norm,
                new,
            )
            if len(link.new) > 1 and link.score >= FUZZY_MIN:
                free_old.discard(i)
                free_new.discard(seed)
                grown.append(link)
            else:
                free_new.update(link.new)
    for j in sorted(free_new):
        seed = _contained_seed(new_norm[j], new[j].is_note, free_old, old_norm, old)
        if seed is not None:
            link = _extend(
                Link((seed,), (j,), fuzz.ratio(old_norm[seed], new_norm[j]), "edited"),
                "old",
                free_old,
                old_norm,
                new_norm,
                old,
            )
            if len(link.old) > 1 and link.score >= FUZZY_MIN:
                free_old.discard(seed)
                grown.append(link)
            else:
                free_old.update(link.old)
    return grown


def _contained_seed(text, is_note, free, norm, pieces):
    """The free passage (of the other version) that `text` contains most nearly verbatim."""
    best, best_score = None, 0.0
    for k in free:
        if pieces[k].is_note != is_note or not (FUZZY_MIN_LENGTH <= len(norm[k]) < len(text)):
            continue
        score = fuzz.partial_ratio(norm[k], text, score_cutoff=90)
        if score > best_score:
            best, best_score = k, score
    return best


def _extend(link, side, free, side_norm, other_norm, side_pieces):
    """Add free neighbours on `side` while the joined text gets more like the other side's."""
    members = list(getattr(link, side))
    other = " ".join(other_norm[k] for k in (link.old if side == "new" else link.new))
    best = link.score
    improved = True
    while improved and len(members) < MAX_GROUP:
        improved = False
        for candidate in (members[0] - 1, members[-1] + 1):
            if candidate not in free or side_pieces[candidate].is_note != side_pieces[members[0]].is_note:
                continue
            trial = sorted(members + [candidate])
            score = fuzz.ratio(" ".join(side_norm[k] for k in trial), other)
            if score >= best + GROW_GAIN:
                members, best, improved = trial, score, True
                free.discard(candidate)
                break
    if len(members) == len(getattr(link, side)):
        return link
    if side == "new":
        return Link(link.old, tuple(members), best, "split")
    return Link(tuple(members), link.new, best, "merged")


# --- Offset mapping ------------------------------------------------------------------------------


class OffsetMap:
    """Maps code-point offsets of one text into another through a character diff."""

    def __init__(self, source: str, target: str):
        self.source_length, self.target_length = len(source), len(target)
        if source == target:
            blocks = [(0, len(source), 0, len(target), "equal")]
        else:
            ops = Indel.opcodes(source, target)
            blocks = [(o.src_start, o.src_end, o.dest_start, o.dest_end, o.tag) for o in ops]
        # Insertions cover no source character: an offset never lands in one.
        self.blocks = [block for block in blocks if block[1] > block[0]]
        self.starts = [block[0] for block in self.blocks]

    def __call__(self, offset: int, *, end: bool = False) -> int:
        """The target offset of a start offset, or with end=True of an end offset (after a character)."""
        char = offset - 1 if end else offset
        if char < 0:
            return 0
        if char >= self.source_length:
            return self.target_length
        src_start, _, dest_start, dest_end, tag = self.blocks[bisect_right(self.starts, char) - 1]
        if tag == "equal":
            return dest_start + (char - src_start) + (1 if end else 0)
        return dest_end if end else dest_start


# --- Re-anchoring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """A W3C TextQuoteSelector plus the offsets it had in the old text."""

    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Anchor:
    target: int  # index into the texts searched
    start: int
    end: int
    confidence: float
    how: str  # "unchanged", "exact", "fuzzy"


def context_similarity(quote: Quote, text: str, start: int, end: int) -> float:
    """How well the text around [start, end) agrees with the quote's prefix and suffix (0-1)."""
    before = text[max(0, start - len(quote.prefix)) : start]
    after = text[end : end + len(quote.suffix)]
    return (_similarity(quote.prefix, before) + _similarity(quote.suffix, after)) / 2


def _similarity(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return Indel.normalized_similarity(a, b)


def reanchor(quote: Quote, old_text: str, new_text: str) -> Anchor | None:
    """Where `quote` (a span of old_text) sits in new_text, or None when it cannot be placed."""
    return GroupAnchorer([old_text], [new_text]).place(0, quote)


def locate(
    quote: Quote, texts: list[str], hint: tuple[int, int, int] | None = None, old_copies: int = 1
) -> Anchor | None:
    """Find `quote` in one of `texts`; `hint` is (text index, start, end) from the offset map.

    An exact occurrence is accepted when its prefix/suffix agree or the diff puts the old span
    there, and when no other occurrence fits as well (`old_copies`: how often the old text held
    the quote, so a second copy is not mistaken for the edited first); without one, the span the diff maps to is
    accepted if its words are nearly the same as the quote's and its context agrees."""
    exact = quote.exact
    if not exact.strip():
        return None
    at_hint = _at_hint(quote, texts, hint)
    found = []
    for t, text in enumerate(texts):
        at = text.find(exact)
        while at != -1 and len(found) < 200:
            context = context_similarity(quote, text, at, at + len(exact))
            on_hint = hint is not None and hint[0] == t and _overlap(hint[1], hint[2], at, at + len(exact)) > 0.5
            found.append((context + (0.25 if on_hint else 0.0), context, on_hint, t, at))
            at = text.find(exact, at + 1)
    if not found:
        return at_hint
    found.sort(reverse=True)
    score, context, on_hint, t, at = found[0]
    if len(found) > 1 and score - found[1][0] < 0.15:
        return None  # two places fit equally well: a curator decides
    if not on_hint and (at_hint is not None or (hint is not None and old_copies > 1)):
        # The words were edited where they stood, and the same words stand elsewhere: perhaps
        # the passage's other copy of them.
        return None
    confidence = min(1.0, 0.55 + 0.45 * context + (0.25 if on_hint else 0.0))
    if len(found) == 1 and len(exact) >= 12:
        confidence = min(1.0, confidence + 0.1)  # a long quote that occurs once is telling
    if confidence < CONFIDENCE_MIN:
        return None
    same_place = quote.start == at and hint is not None and hint[0] == t and context == 1.0
    return Anchor(t, at, at + len(exact), round(confidence, 3), "unchanged" if same_place else "exact")


def _at_hint(quote: Quote, texts: list[str], hint) -> Anchor | None:
    """The span the character diff maps the old one to, if its words are nearly the quote's."""
    if hint is None:
        return None
    t, start, end = hint
    start, end = _snap(texts[t], start, end)
    if end <= start:
        return None
    words = Indel.normalized_similarity(quote.exact, texts[t][start:end])
    context = context_similarity(quote, texts[t], start, end)
    confidence = 0.7 * words + 0.3 * context
    if words < 0.75 or confidence < CONFIDENCE_MIN:
        return None
    return Anchor(t, start, end, round(confidence, 3), "fuzzy")


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim whitespace at the ends of a mapped span."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _overlap(a_start, a_end, b_start, b_end) -> float:
    inter = min(a_end, b_end) - max(a_start, b_start)
    if inter <= 0:
        return 0.0
    return inter / max(a_end - a_start, b_end - b_start)


SEPARATOR = "\n"


def _split_hint(new_texts, start, end):
    offset = 0
    for t, text in enumerate(new_texts):
        if offset <= start <= offset + len(text):
            if end > offset + len(text):
                return None  # the span now runs over a passage boundary
            return t, start - offset, max(start, end) - offset
        offset += len(text) + 1
    return None


class GroupAnchorer:
    """Re-anchors the highlights of one link's old passages in its new passages (one diff per link)."""

    def __init__(self, old_texts: list[str], new_texts: list[str]):
        self.old_texts = old_texts
        self.new_texts = new_texts
        self.bases = []
        offset = 0
        for text in old_texts:
            self.bases.append(offset)
            offset += len(text) + 1
        self._map = None

    def place(self, old_index: int, quote: Quote) -> Anchor | None:
        """old_index: position of the highlight's passage within the link's old passages."""
        if (
            len(self.old_texts) == 1
            and len(self.new_texts) == 1
            and self.old_texts[0] == self.new_texts[0]
            and quote.start is not None
            and self.old_texts[0][quote.start : quote.end] == quote.exact
        ):
            return Anchor(0, quote.start, quote.end, 1.0, "unchanged")
        copies = self.old_texts[old_index].count(quote.exact)
        return locate(quote, self.new_texts, hint=self._hint(old_index, quote), old_copies=copies)

    def _hint(self, old_index, quote):
        if quote.start is None or quote.end is None:
            return None
        if self._map is None:
            self._map = OffsetMap(SEPARATOR.join(self.old_texts), SEPARATOR.join(self.new_texts))
        base = self.bases[old_index]
        return _split_hint(self.new_texts, self._map(base + quote.start), self._map(base + quote.end, end=True))


def best_candidates(quote: Quote, texts: list[str], limit: int = 3) -> list[tuple[int, float]]:
    """For a curator placing an orphan: the texts most likely to hold the quote (index, 0-100),
    by how well they hold its words, then how well they hold them in their old context."""
    if not texts or not quote.exact.strip():
        return []
    # Word overlap first (cheap over a whole report), then the closer character match on the few best.
    shortlist = process.extract(quote.exact, texts, scorer=fuzz.token_set_ratio, limit=limit * 8, score_cutoff=40)
    needle = f"{quote.prefix}{quote.exact}{quote.suffix}"
    scored = []
    for _, _, index in shortlist:
        words = fuzz.partial_ratio(quote.exact, texts[index])
        if words >= 50:
            scored.append((0.7 * words + 0.3 * fuzz.partial_ratio(needle, texts[index]), index))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(index, round(score, 1)) for score, index in scored[:limit]]


# --- The carry-over plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Where a highlight goes: a new passage (index) and code-point offsets into its text."""

    passage: int
    start: int
    end: int
    confidence: float
    how: str


@dataclass
class CarryPlan:
    alignment: Alignment
    passages: dict[int, tuple[int, ...]]  # old passage -> its new passages, the main one first
    highlights: list[Placement | None]  # per quote given; None: an orphan

    def main_passage(self, old_index: int) -> int | None:
        targets = self.passages.get(old_index)
        return targets[0] if targets else None


def plan_carry_over(old: list[Piece], new: list[Piece], quotes: list[tuple[int, Quote]]) -> CarryPlan:
    """Align `old` with `new`, then place every quote (old passage index, Quote).

    A passage split in several keeps the part holding most of its text as its main passage
    (comments and source links go there, tags to every part); merged passages all go to the
    merged one. A quote that cannot be placed with confidence is None: an orphan."""
    alignment = align(old, new)
    passages = {}
    for link in alignment.links:
        for i in link.old:
            passages[i] = _main_first(old[i].text, [(j, new[j].text) for j in link.new])
    anchorers: dict[int, GroupAnchorer] = {}
    placed = []
    for old_index, quote in quotes:
        link = alignment.by_old.get(old_index)
        if link is None:
            placed.append(None)
            continue
        anchorer = anchorers.get(id(link))
        if anchorer is None:
            anchorer = GroupAnchorer([old[i].text for i in link.old], [new[j].text for j in link.new])
            anchorers[id(link)] = anchorer
        anchor = anchorer.place(link.old.index(old_index), quote)
        placed.append(
            None
            if anchor is None
            else Placement(link.new[anchor.target], anchor.start, anchor.end, anchor.confidence, anchor.how)
        )
    return CarryPlan(alignment, passages, placed)


def _main_first(old_text: str, parts: list[tuple[int, str]]) -> tuple[int, ...]:
    if len(parts) == 1:
        return (parts[0][0],)
    # How much of the old text each part holds: its length, weighted by how verbatim it is.
    held = {j: len(text) * fuzz.partial_ratio(text, old_text) for j, text in parts}
    main = max(held, key=held.get)
    return (main,) + tuple(j for j, _ in parts if j != main)


# --- Showing what changed ------------------------------------------------------------------------

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def word_diff(old_text: str, new_text: str) -> list[tuple[str, str]]:
    """The two texts as runs of ("equal" | "delete" | "insert", text), word by word; within a
    change the deleted words come before the inserted ones."""
    a, b = _TOKEN.findall(old_text), _TOKEN.findall(new_text)
    runs: list[tuple[str, str]] = []
    deleted, inserted = [], []

    def flush():
        for tag, words in (("delete", deleted), ("insert", inserted)):
            if words:
                runs.append((tag, "".join(words)))
                words.clear()

    for op in Indel.opcodes(a, b):
        if op.tag == "equal":
            flush()
            runs.append(("equal", "".join(a[op.src_start : op.src_end])))
        else:
            deleted.extend(a[op.src_start : op.src_end])
            inserted.extend(b[op.dest_start : op.dest_end])
    flush()
    return runs


def moved_links(links: list[Link]) -> set[int]:
    """Indices (into `links`) of the links out of reading order: those outside the longest run
    of links whose old and new positions both ascend."""
    ordered = sorted(range(len(links)), key=lambda k: links[k].new[0])
    tails, tail_at, back = [], [], {}
    for k in ordered:
        key = links[k].old[0]
        pos = bisect_right(tails, key)
        back[k] = tail_at[pos - 1] if pos else None
        if pos == len(tails):
            tails.append(key)
            tail_at.append(k)
        else:
            tails[pos], tail_at[pos] = key, k
    keep, k = set(), tail_at[-1] if tail_at else None
    while k is not None:
        keep.add(k)
        k = back[k]
    return set(range(len(links))) - keep
