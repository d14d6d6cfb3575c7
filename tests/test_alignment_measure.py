"""The issue's yardstick, measured on revisions with known ground truth (tests/revisions.py):
at least 98 % of the annotations on unchanged or lightly edited passages carried to the right
place, none to a wrong place, every other one an orphan.

Revisions of the seed report, of the importer's sample reports and of generated corpus reports
each edit sentences, insert, delete and rewrite paragraphs, move a section, split and merge
paragraphs and add a footnote that renumbers the others.
"""

import random
from dataclasses import replace
from pathlib import Path

import pytest

from annotations.alignment import plan_carry_over
from annotations.importing import parse_report
from annotations.management.commands.generate_corpus import _paragraph, _theme
from tests.revisions import Score, random_quotes, revise, score_highlights, score_passages

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "reports" / "china-security-engagement-central-asia-2015-hearing.txt"
SAMPLES = sorted((ROOT / "tests" / "importing_samples").glob("*.txt"))
REVISIONS_PER_REPORT = 4


def parsed_passages(path):
    parsed = parse_report(path.read_bytes(), path.name, max_bytes=50_000_000)
    passages, sections = [], []
    for number, section in enumerate(parsed.sections):
        for passage in section.passages:
            passages.append((passage.text, False))
            sections.append(number)
    for note in parsed.notes:
        passages.append((note.text, True))
        sections.append(len(parsed.sections))
    return passages, sections


def corpus_passages(seed, sections=6, per_section=8, notes=12):
    rng = random.Random(seed)
    theme = _theme(rng)
    passages, numbers = [], []
    for number in range(sections):
        for _ in range(per_section):
            passages.append((_paragraph(rng, rng.randint(2, 6), theme), False))
            numbers.append(number)
    for n in range(notes):
        passages.append((f"Interview with an official in Bishkek, {rng.randint(1, 28)} May 201{n % 10}.", True))
        numbers.append(sections)
    return passages, numbers


def filler(rng):
    return _paragraph(rng, rng.randint(2, 5))


def measure(passages, sections, seed):
    highlights, tagged = Score(), Score()
    for run in range(REVISIONS_PER_REPORT):
        rng = random.Random(f"{seed}-{run}")
        revision = revise(passages, sections, rng, filler)
        quotes = random_quotes(revision.old, rng)
        plan = plan_carry_over(revision.old, revision.new_pieces(), quotes)
        highlights.add(score_highlights(revision, quotes, plan.highlights))
        annotated = sorted({i for i, _ in quotes})
        tagged.add(score_passages(revision, annotated, plan))
    return highlights, tagged


REPORTS = [pytest.param(lambda: parsed_passages(SEED), id="seed")]
REPORTS += [pytest.param(lambda path=path: parsed_passages(path), id=path.stem) for path in SAMPLES]
REPORTS += [pytest.param(lambda seed=seed: corpus_passages(seed), id=f"corpus-{seed}") for seed in (1, 2, 3)]


@pytest.mark.parametrize("load", REPORTS)
def test_revisions_carry_annotations_to_the_right_place_or_orphan_them(load):
    passages, sections = load()
    highlights, tagged = measure(passages, sections, seed=len(passages))
    for score in (highlights, tagged):
        assert score.total > 0
        assert score.wrong == 0, score.misses
        assert score.carried_share >= 0.98, (score.right, score.eligible, score.misses)
        # Every annotation is placed or an orphan; those not on light passages are mostly orphans.
        assert score.orphans >= score.total - score.right - (score.total - score.eligible)


def test_the_measurement_sees_misplacements():
    """The scorer itself: a plan that puts every highlight one character off is all wrong."""
    passages, sections = parsed_passages(SEED)
    revision = revise(passages, sections, random.Random(7), filler)
    quotes = random_quotes(revision.old, random.Random(7))
    plan = plan_carry_over(revision.old, revision.new_pieces(), quotes)
    shifted = [None if p is None else replace(p, start=p.start + 1, end=p.end + 1) for p in plan.highlights]
    assert score_highlights(revision, quotes, plan.highlights).right > 50
    score = score_highlights(revision, quotes, shifted)
    assert score.right == 0
    assert score.wrong >= score_highlights(revision, quotes, plan.highlights).right
