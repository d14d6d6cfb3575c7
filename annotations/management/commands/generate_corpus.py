"""Synthetic but realistic data for benchmarks and for evaluating the workbench at scale.

Reports of policy-report prose (sentences assembled from a vocabulary of actors, actions,
topics and places), with sections, footnote references and note passages; a codebook of tags;
tag links, highlights, comment threads with replies, sources and source links in proportions
that can be set per passage. Everything is written with bulk inserts in batches, so
django-simple-history records no history for these rows and no signals fire (fine for
synthetic data). The search index stays in sync all the same: PostgreSQL computes each row's
stored generated `search_vector` column, and triggers fill SQLite's FTS tables (annotations/search.py).
"""

import math
import random
import re
import time
import uuid
from collections import Counter
from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from annotations.management.corpus_vocabulary import (
    ACTIONS,
    ACTORS,
    CODEBOOK,
    COMMENTS,
    EXTRA_TERMS,
    FILLERS,
    OPENERS,
    PLACES,
    PUBLISHERS,
    QUALIFIERS,
    REPLIES,
    REPORT_TEMPLATES,
    SECTION_TITLES,
    SOURCE_HOSTS,
    SOURCE_KINDS,
    TOPICS,
)
from annotations.models import (
    Comment,
    Highlight,
    Membership,
    Passage,
    Report,
    Role,
    Section,
    Source,
    SourceLink,
    Tag,
    TaggedHighlight,
    TaggedPassage,
    Workspace,
    normalize_url,
)

BATCH = 2000
CHUNK_PASSAGES = 5000
_WORDS = re.compile(r"\w+")


def _pick(rng, theme, name, vocabulary):
    # Reports keep coming back to their own actors, places and topics; now and then they
    # mention others. This gives terms the clustered frequencies real collections have.
    return rng.choice(theme[name] if theme and rng.random() < 0.75 else vocabulary)


def _sentence(rng, theme):
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(FILLERS)
    actor, topic = _pick(rng, theme, "actors", ACTORS), _pick(rng, theme, "topics", TOPICS)
    if roll < 0.45:
        body = f"{_pick(rng, theme, 'places', PLACES)} illustrates the approach of {actor} to {topic}"
    else:
        body = f"{actor} {rng.choice(ACTIONS)} {topic}"
        if roll < 0.8:
            body += f" in {_pick(rng, theme, 'places', PLACES)}"
    if rng.random() < 0.5:
        body += f" {rng.choice(QUALIFIERS)}"
    if rng.random() < 0.05:
        body += f" ({rng.choice(EXTRA_TERMS)})"
    opener = rng.choice(OPENERS)
    return f"{opener} {body}." if opener else f"{body[0].upper()}{body[1:]}."


def _theme(rng):
    return {"actors": rng.sample(ACTORS, 6), "places": rng.sample(PLACES, 5), "topics": rng.sample(TOPICS, 8)}


def _paragraph(rng, sentences, theme=None):
    return " ".join(_sentence(rng, theme) for _ in range(sentences))


def _spread(rng, mean):
    """A Poisson-distributed count with the given mean: most passages get few, some get many."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class Command(BaseCommand):
    help = "Generate a synthetic corpus of reports, passages and annotations (bulk inserts, no history)."

    def add_arguments(self, parser):
        parser.add_argument("--reports", type=int, required=True)
        parser.add_argument("--passages-per-report", type=int, required=True)
        parser.add_argument("--workspace", default="synthetic", help="Workspace slug (created when missing).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--users", type=int, default=5, help="Annotators created in the workspace.")
        parser.add_argument("--tags-per-passage", type=float, default=0.8)
        parser.add_argument("--highlights-per-passage", type=float, default=0.3)
        parser.add_argument("--comments-per-passage", type=float, default=0.4)
        parser.add_argument("--links-per-passage", type=float, default=0.2)

    def handle(self, *args, **options):
        if options["reports"] < 1 or options["passages_per_report"] < 1:
            raise CommandError("--reports and --passages-per-report must be at least 1.")
        started = time.monotonic()
        rng = random.Random(options["seed"])
        with transaction.atomic():
            counts = self._generate(rng, options)
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stdout.write(f"Generated {summary} in {time.monotonic() - started:.1f} s.")

    def _generate(self, rng, options):
        slug = options["workspace"]
        workspace, _ = Workspace.objects.get_or_create(slug=slug, defaults={"name": slug.replace("-", " ").title()})
        users = self._users(workspace, options["users"])
        tags = self._codebook(workspace)
        sources = self._sources(rng, workspace, max(20, options["reports"] * 3))
        counts = Counter()
        # A few thousand passages at a time, annotations included, so memory stays flat however
        # large the corpus.
        per_report = options["passages_per_report"]
        chunk = max(1, CHUNK_PASSAGES // per_report)
        for first in range(0, options["reports"], chunk):
            themes = [_theme(rng) for _ in range(min(chunk, options["reports"] - first))]
            reports = self._reports(rng, workspace, users, themes)
            passages = self._passages(rng, reports, themes, per_report)
            counts["reports"] += len(reports)
            counts["passages"] += len(passages)
            counts["tag links"] += self._tag_links(rng, passages, tags, users, options["tags_per_passage"])
            highlights = self._highlights(rng, passages, tags, users, options["highlights_per_passage"])
            counts["highlights"] += len(highlights)
            counts["comments"] += self._comments(rng, passages, highlights, users, options["comments_per_passage"])
            counts["source links"] += self._links(rng, passages, sources, users, options["links_per_passage"])
        return counts

    def _users(self, workspace, count):
        User = get_user_model()
        users = []
        for i in range(1, count + 1):
            user, created = User.objects.get_or_create(username=f"{workspace.slug}-annotator-{i}")
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": Role.ANNOTATOR})
            users.append(user)
        return users

    def _codebook(self, workspace):
        tags = []
        for name, color in CODEBOOK:
            tag = Tag.objects.filter(workspace=workspace).named(name).first()
            if tag is None:
                tag = Tag.objects.create(workspace=workspace, name=name, slug=slugify(name), color=color)
            tags.append(tag)
        return tags

    def _sources(self, rng, workspace, count):
        existing = set(Source.objects.filter(workspace=workspace).values_list("url_normalized", flat=True))
        new = []
        for i in range(count):
            url = f"https://www.{rng.choice(SOURCE_HOSTS)}/{slugify(rng.choice(TOPICS))}/{rng.randrange(10**8)}-{i}"
            if normalize_url(url) in existing:
                continue
            title = f"{rng.choice(TOPICS).capitalize()} in {rng.choice(PLACES)}: {rng.choice(QUALIFIERS)}"
            new.append(
                Source(
                    workspace=workspace,
                    url=url,
                    url_normalized=normalize_url(url),
                    title=title,
                    publisher=rng.choice(PUBLISHERS),
                    kind=rng.choice(SOURCE_KINDS),
                    published_on=date(rng.randint(2005, 2024), rng.randint(1, 12), rng.randint(1, 28)),
                )
            )
        Source.objects.bulk_create(new, batch_size=BATCH)
        return list(Source.objects.filter(workspace=workspace).only("id"))

    def _reports(self, rng, workspace, users, themes):
        reports = []
        for theme in themes:
            title = rng.choice(REPORT_TEMPLATES).format(
                actor=theme["actors"][0], place=theme["places"][0], topic=theme["topics"][0]
            )
            token = uuid.uuid4()  # not from the seed: generating twice must not collide
            title = title[0].upper() + title[1:]
            reports.append(
                Report(
                    uuid=token,
                    workspace=workspace,
                    title=title,
                    slug=f"{slugify(title)[:150]}-{token.hex[:8]}",
                    authors=rng.choice(["A. Cooley", "S. Peyrouse", "M. Laruelle", "R. Pantucci", "N. Swanström"]),
                    publisher=rng.choice(PUBLISHERS),
                    imported_by=rng.choice(users),
                    original_filename=f"{slugify(title)[:60]}.pdf",
                )
            )
        return Report.objects.bulk_create(reports, batch_size=BATCH)

    def _passages(self, rng, reports, themes, per_report):
        sections, passages = [], []
        for report, theme in zip(reports, themes, strict=True):
            section_count = max(1, min(len(SECTION_TITLES), per_report // 12))
            report_sections = [
                Section(report=report, order=i, title=title, level=1 if i % 3 == 0 else 2)
                for i, title in enumerate(SECTION_TITLES[:section_count], start=1)
            ]
            sections.extend(report_sections)
            note_count = per_report // 10
            body_count = per_report - note_count
            marker = 0
            for order in range(1, per_report + 1):
                section = report_sections[min(section_count - 1, (order - 1) * section_count // body_count)]
                if order > body_count:  # the endnotes come last, like in the reports we import
                    text = (
                        f"{rng.choice(PUBLISHERS)}, \u201c{rng.choice(TOPICS).capitalize()} in "
                        f"{rng.choice(PLACES)},\u201d {rng.randint(2005, 2015)}, p. {rng.randint(1, 300)}."
                    )
                    passages.append(
                        Passage(
                            report=report,
                            section=section,
                            order=order,
                            kind=Passage.Kind.NOTE,
                            label=str(order - body_count),
                            text=text,
                            page=order // 6 + 1,
                        )
                    )
                    continue
                roll = rng.random()
                kind = (
                    Passage.Kind.PARAGRAPH
                    if roll < 0.8
                    else Passage.Kind.LIST_ITEM
                    if roll < 0.93
                    else Passage.Kind.QUOTE
                    if roll < 0.99
                    else Passage.Kind.TABLE
                )
                sentences = rng.randint(1, 2) if kind == Passage.Kind.LIST_ITEM else rng.randint(2, 6)
                footnotes = []
                if note_count and marker < note_count and rng.random() < 0.15:
                    marker += 1
                    footnotes = [str(marker)]
                status = rng.choices(["open", "in_review", "approved", "flagged"], weights=[60, 20, 15, 5])[0]
                passages.append(
                    Passage(
                        report=report,
                        section=section,
                        order=order,
                        kind=kind,
                        label=f"{order % 9 + 1}." if kind == Passage.Kind.LIST_ITEM else "",
                        text=_paragraph(rng, sentences, theme),
                        footnotes=footnotes,
                        page=order // 6 + 1,
                        status=status,
                    )
                )
        Section.objects.bulk_create(sections, batch_size=BATCH)
        for passage in passages:
            passage.section_id = passage.section.pk
        return Passage.objects.bulk_create(passages, batch_size=BATCH)

    def _tag_links(self, rng, passages, tags, users, mean):
        # A few codes are used far more than others, as in real codebooks.
        weights = [1 / (rank + 1) for rank in range(len(tags))]
        links = []
        for passage in passages:
            count = min(len(tags), _spread(rng, mean))
            chosen = set()
            while len(chosen) < count:
                chosen.add(rng.choices(range(len(tags)), weights=weights)[0])
            links.extend(
                TaggedPassage(content_object_id=passage.pk, tag_id=tags[i].pk, added_by=rng.choice(users))
                for i in chosen
            )
        TaggedPassage.objects.bulk_create(links, batch_size=BATCH)
        return len(links)

    def _highlights(self, rng, passages, tags, users, mean):
        highlights = []
        for passage in passages:
            words = [(m.start(), m.end()) for m in _WORDS.finditer(passage.text)]
            for _ in range(_spread(rng, mean)):
                first = rng.randrange(len(words))
                last = min(len(words) - 1, first + rng.randint(0, 6))
                start, end = words[first][0], words[last][1]
                highlights.append(
                    Highlight(
                        passage_id=passage.pk,
                        start=start,
                        end=end,
                        created_by=rng.choice(users),
                        **Highlight.quote_for(passage.text, start, end),
                    )
                )
        highlights = Highlight.objects.bulk_create(highlights, batch_size=BATCH)
        tags = tags[:10]
        TaggedHighlight.objects.bulk_create(
            [
                TaggedHighlight(content_object_id=h.pk, tag_id=rng.choice(tags).pk)
                for h in highlights
                if rng.random() < 0.5
            ],
            batch_size=BATCH,
        )
        return highlights

    def _comments(self, rng, passages, highlights, users, mean):
        by_passage = {}
        for highlight in highlights:
            by_passage.setdefault(highlight.passage_id, []).append(highlight)
        now = timezone.now()
        roots, reply_specs = [], []
        # Threads hold about 1.6 comments on average (a root and often a reply or two).
        for passage in passages:
            for _ in range(_spread(rng, mean / 1.6)):
                spans = by_passage.get(passage.pk)
                body = rng.choice(COMMENTS).format(
                    tag=rng.choice(CODEBOOK)[0],
                    place=rng.choice(PLACES),
                    actor=rng.choice(ACTORS),
                    topic=rng.choice(TOPICS),
                )
                roots.append(
                    Comment(
                        passage_id=passage.pk,
                        highlight=rng.choice(spans) if spans and rng.random() < 0.5 else None,
                        author=rng.choice(users),
                        body=body,
                        resolved=rng.random() < 0.3,
                        deleted_at=now if rng.random() < 0.02 else None,
                    )
                )
                reply_specs.append(rng.choices([0, 1, 2, 3], weights=[55, 30, 10, 5])[0])
        roots = Comment.objects.bulk_create(roots, batch_size=BATCH)
        replies = [
            Comment(passage_id=root.passage_id, parent_id=root.pk, author=rng.choice(users), body=rng.choice(REPLIES))
            for root, count in zip(roots, reply_specs, strict=True)
            for _ in range(count)
        ]
        Comment.objects.bulk_create(replies, batch_size=BATCH)
        return len(roots) + len(replies)

    def _links(self, rng, passages, sources, users, mean):
        relations = [choice for choice, _ in SourceLink.Relation.choices]
        links = []
        for passage in passages:
            chosen = {rng.randrange(len(sources)) for _ in range(_spread(rng, mean))}
            for i in chosen:
                links.append(
                    SourceLink(
                        passage_id=passage.pk,
                        source_id=sources[i].pk,
                        relation=rng.choice(relations),
                        footnote=passage.footnotes[0] if passage.footnotes else "",
                        added_by=rng.choice(users),
                    )
                )
        SourceLink.objects.bulk_create(links, batch_size=BATCH)
        return len(links)
