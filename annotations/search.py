"""Full-text search over passages (notes included), comments and source titles.

One public function, `search()`, with two backends behind it:

- PostgreSQL: a stored generated `search_vector` column (`to_tsvector('english', ...)` of the
  searched column) with a GIN index on it (migration full_text_search; postgres_install says
  why not an expression index), queried with `websearch` syntax and ranked with `ts_rank`;
  snippets by `ts_headline`.
- SQLite: an external-content FTS5 table per searched column, kept in sync by triggers (so
  `loaddata`, `bulk_create` and `QuerySet.update()` stay in sync too), ranked by bm25;
  snippets by FTS5's `snippet()`/`highlight()`.

User input is parsed once here (phrases in double quotes, `or`, `-exclusion`, like PostgreSQL's
websearch syntax) and re-serialised for each engine with every term quoted, so no input can be
read as an operator or raise a syntax error. Both engines mark matches with control characters;
the snippet is then escaped and only those marks become <mark> tags.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
from django.db import connection, connections
from django.db.models import Exists, OuterRef, Prefetch, Q, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Comment, Passage, Source, SourceLink, Tag, TaggedPassage, count_of

CONFIG = "english"
MAX_QUERY_CHARS = 500
MAX_TERMS = 32
LINKED_PASSAGES_SHOWN = 3
COUNT_LIMIT = 1000  # matches counted per kind; pages reach no further
KINDS = ("passage", "comment", "source")

# The searched columns: (model, column). The full_text_search migration builds the PostgreSQL
# vector columns and the SQLite FTS tables from this list; the post_migrate hook checks triggers.
SEARCHED = ((Passage, "text"), (Comment, "body"), (Source, "title"))

# Match markers: control characters that cleaned report text does not contain.
MARK_START, MARK_END = "\x02", "\x03"


# --- Query parsing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Terms that must all occur (include) and none of which may occur (exclude)."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()


# A token: optional leading "-", then a double-quoted phrase (closing quote optional) or a word.
_TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _has_word_characters(text):
    # Both engines index letters and digits only; a term without any (e.g. "*", "--", "…")
    # would be an empty phrase, so it is dropped rather than sent.
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def parse_query(text):
    """The search groups of `text`: alternatives (joined by `or`) of required and excluded terms.

    Groups without a required term are dropped: "-russia" alone would mean "every passage not
    mentioning Russia", which neither engine can answer from its index.
    """
    groups, include, exclude = [], [], []
    terms = 0
    # Control characters (NUL among them) are no search terms, and PostgreSQL rejects NUL.
    text = _CONTROL.sub(" ", text[:MAX_QUERY_CHARS])
    for match in _TOKEN.finditer(text):
        negated, phrase, word = match.groups()
        if word is not None and word.lower() == "or" and not negated:
            groups.append(Group(tuple(include), tuple(exclude)))
            include, exclude = [], []
            continue
        term = " ".join((phrase if phrase is not None else word).split())
        if not _has_word_characters(term) or terms >= MAX_TERMS:
            continue
        terms += 1
        (exclude if negated else include).append(term)
    groups.append(Group(tuple(include), tuple(exclude)))
    return tuple(group for group in groups if group.include)


def to_websearch(groups):
    """PostgreSQL websearch syntax with every term quoted (the parser removed inner quotes)."""
    return " or ".join(
        " ".join([f'"{term}"' for term in group.include] + [f'-"{term}"' for term in group.exclude]) for group in groups
    )


def _fts5_string(term):
    return '"' + term.replace('"', '""') + '"'


def to_fts5(groups):
    """An FTS5 MATCH expression: quoted strings only, so nothing in them is an operator."""
    alternatives = []
    for group in groups:
        expression = " AND ".join(_fts5_string(term) for term in group.include)
        if group.exclude:
            expression = f"({expression}) NOT ({' OR '.join(_fts5_string(term) for term in group.exclude)})"
        alternatives.append(f"({expression})")
    return " OR ".join(alternatives)


# --- Index definitions (used by the full_text_search migration and post_migrate) ----------------


VECTOR_COLUMN = "search_vector"


def postgres_install(cursor, table, column):
    """Add the stored tsvector column of `table.column` and its GIN index (PostgreSQL only).

    A stored generated column rather than a GIN index on the to_tsvector() expression: ranking
    needs each match's vector, and an expression index cannot supply it, so ts_rank re-parsed
    every matching row (350 ms for 16,000 matches at 100,000 passages; 30 ms stored). The column
    is invisible to the ORM (it is never written: PostgreSQL computes it), so bulk_create,
    update() and loaddata keep it current. A later migration changing the type of `column` must
    drop and re-add it.
    """
    cursor.execute(
        f"ALTER TABLE {table} ADD COLUMN {VECTOR_COLUMN} tsvector GENERATED ALWAYS AS "
        f"(to_tsvector('{CONFIG}'::regconfig, COALESCE({column}, ''))) STORED"
    )
    cursor.execute(f"CREATE INDEX {table}_{VECTOR_COLUMN} ON {table} USING gin ({VECTOR_COLUMN})")


def postgres_uninstall(cursor, table):
    cursor.execute(f"DROP INDEX IF EXISTS {table}_{VECTOR_COLUMN}")
    cursor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {VECTOR_COLUMN}")


def _vector(model):
    table = connection.ops.quote_name(model._meta.db_table)
    return RawSQL(f"{table}.{VECTOR_COLUMN}", [], output_field=SearchVectorField())


def fts_table(model):
    return f"{model._meta.db_table}_fts"


def _sqlite_trigger_sql(table, column):
    fts = f"{table}_fts"
    delete_old = f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
    insert_new = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
    return {
        f"{fts}_ai": f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN {insert_new} END",
        f"{fts}_ad": f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN {delete_old} END",
        f"{fts}_au": (
            f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {column} ON {table} "
            f"BEGIN {delete_old} {insert_new} END"
        ),
    }


def sqlite_fts_install(cursor, table, column):
    """Create the FTS5 table and its triggers for `table.column` and index the existing rows."""
    fts = f"{table}_fts"
    cursor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({column}, content='{table}', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    for sql in _sqlite_trigger_sql(table, column).values():
        cursor.execute(sql)
    cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def sqlite_fts_uninstall(cursor, table):
    fts = f"{table}_fts"
    for suffix in ("ai", "ad", "au"):
        cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
    cursor.execute(f"DROP TABLE IF EXISTS {fts}")


def sqlite_fts_repair(using="default"):
    """Recreate missing FTS triggers and reindex (SQLite only).

    SQLite migrations that alter a table rebuild it (copy, drop, rename), and dropping the old
    table drops its triggers; this runs after every migrate so the index cannot silently go stale.
    Returns the tables that needed repair.
    """
    conn = connections[using]
    if conn.vendor != "sqlite":
        return []
    repaired = []
    with conn.cursor() as cursor:
        existing = {
            row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        }
        for model, column in SEARCHED:
            table = model._meta.db_table
            # Only where the full_text_search migration installed the index (migrating back removes
            # it on purpose).
            if fts_table(model) in existing and not set(_sqlite_trigger_sql(table, column)) <= existing:
                sqlite_fts_install(cursor, table, column)
                repaired.append(table)
    return repaired


# --- Backends -------------------------------------------------------------------------------


class _Postgres:
    def __init__(self, groups):
        self.query = SearchQuery(to_websearch(groups), search_type="websearch", config=CONFIG)

    def matching(self, queryset, column):
        vector = _vector(queryset.model)
        return queryset.alias(_vector=vector).filter(_vector=self.query).annotate(score=SearchRank(vector, self.query))

    def with_snippet(self, queryset, column, whole):
        # The default (single-excerpt) mode: fragment mode cuts short passages down to the match.
        options = {"highlight_all": True} if whole else {"max_words": 35, "min_words": 15}
        return queryset.annotate(
            snippet=SearchHeadline(
                column, self.query, config=CONFIG, start_sel=MARK_START, stop_sel=MARK_END, **options
            )
        )


class _Sqlite:
    def __init__(self, groups):
        self.match = to_fts5(groups)

    def _join(self, queryset, select):
        # FTS5 tables are not models, so the ORM cannot join them; extra() adds the table and the
        # MATCH condition, and SQLite drives the join from the FTS index.
        table = queryset.model._meta.db_table
        fts = fts_table(queryset.model)
        return queryset.extra(
            select=select,
            tables=[fts],
            where=[f"{fts} MATCH %s", f"{fts}.rowid = {table}.id"],
            params=[self.match],
        )

    def matching(self, queryset, column):
        # FTS5's rank (bm25 by default) is lower for better matches; negated, higher is better in
        # both backends.
        return self._join(queryset, {"score": f"-{fts_table(queryset.model)}.rank"})

    def with_snippet(self, queryset, column, whole):
        fts = fts_table(queryset.model)
        marks = f"char({ord(MARK_START)}), char({ord(MARK_END)})"
        function = f"highlight({fts}, 0, {marks})" if whole else f"snippet({fts}, 0, {marks}, '…', 40)"
        return self._join(queryset, {"snippet": function})


def _backend(groups):
    return _Postgres(groups) if connection.vendor == "postgresql" else _Sqlite(groups)


# --- Results --------------------------------------------------------------------------------


def render_snippet(raw):
    """Escape `raw` and turn only the engine's match markers into <mark> elements."""
    pieces = []
    for i, part in enumerate((raw or "").split(MARK_START)):
        marked, found, rest = part.partition(MARK_END) if i else ("", False, part)
        if found:
            pieces.append(f"<mark>{escape(marked)}</mark>")
        else:
            rest = marked + rest
        pieces.append(escape(rest.replace(MARK_END, "")))
    return mark_safe("".join(pieces))


@dataclass
class Hit:
    kind: str  # "passage", "comment" or "source"
    score: float
    snippet: SafeString
    passage: Passage | None = None  # the passage found, or the one the comment is about
    comment: Comment | None = None
    source: Source | None = None
    linked_passages: list = field(default_factory=list)  # passages citing a source (first few)
    link_count: int = 0


@dataclass
class Results:
    hits: list[Hit]
    total: int
    counts: dict  # matches per kind, at most COUNT_LIMIT
    capped: dict  # per kind: were there more than COUNT_LIMIT matches?

    @property
    def more(self):
        return any(self.capped.values())


def passages_matching(passages, query):
    """`passages` narrowed to those whose text matches `query` (websearch syntax, as in search()),
    unranked: for lists with their own order, such as the API's."""
    groups = parse_query(query or "")
    if not groups:
        return passages.none()
    return _backend(groups).matching(passages, "text")


def _passage_conditions(prefix, *, workspace, report, tag, status, kind):
    """The filters on passages, written relative to `prefix` so comments and links reuse them."""
    conditions = Q()
    if workspace is not None:
        conditions &= Q(**{f"{prefix}report__workspace": workspace})
    if report is not None:
        conditions &= Q(**{f"{prefix}report": report})
    if tag:
        tags = Tag.objects.filter(pk=tag.pk) if isinstance(tag, Tag) else Tag.objects.filter(name__iexact=tag)
        conditions &= Q(**{f"{prefix}tag_links__tag__in": tags})
    if status:
        conditions &= Q(**{f"{prefix}status": status})
    if kind:
        conditions &= Q(**{f"{prefix}kind": kind})
    return conditions


def search(query, *, user, workspace=None, report=None, tag=None, status=None, kind=None, limit=20, offset=0):
    """Passages, comments and sources matching `query` that `user` may read, best first.

    `query` uses websearch syntax: words (all required), "exact phrases", `or` between
    alternatives, `-word` or `-"phrase"` to exclude. Filters narrow the passages (and the comments
    on them, and the sources linked to them); `tag` is a Tag or a tag name. Returns the hits
    `offset:offset + limit` of the merged ranking and the number of matches per kind (counted up
    to COUNT_LIMIT).
    """
    groups = parse_query(query or "")
    if not groups:
        return Results(hits=[], total=0, counts=dict.fromkeys(KINDS, 0), capped=dict.fromkeys(KINDS, False))
    backend = _backend(groups)
    filters = {"workspace": workspace, "report": report, "tag": tag, "status": status, "kind": kind}
    passages = Passage.objects.visible_to(user).filter(_passage_conditions("", **filters))
    comments = Comment.objects.visible_to(user).live().filter(_passage_conditions("passage__", **filters))
    sources = Source.objects.visible_to(user)
    if workspace is not None:
        sources = sources.filter(workspace=workspace)
    if any(value for name, value in filters.items() if name != "workspace"):
        linked = SourceLink.objects.filter(_passage_conditions("passage__", **filters), source=OuterRef("pk"))
        sources = sources.filter(Exists(linked))
    scopes = {"passage": (passages, "text"), "comment": (comments, "body"), "source": (sources, "title")}

    # Each kind is ranked by its own query (its top offset+limit); the page is cut from the merged
    # ranking. Counting is separate and stops at COUNT_LIMIT: a window COUNT(*) OVER () made
    # PostgreSQL carry every match's vector through the window and spill it to disk (210 ms
    # instead of 70 ms for 30,000 matches), and no page lies beyond COUNT_LIMIT anyway.
    ranked, counts, capped = [], {}, {}
    for kind_name, (queryset, column) in scopes.items():
        matches = backend.matching(queryset, column)
        rows = list(matches.order_by("-score", "pk").values_list("pk", "score")[: offset + limit])
        found = len(rows) if len(rows) < offset + limit else matches.values("pk")[: COUNT_LIMIT + 1].count()
        counts[kind_name], capped[kind_name] = min(found, COUNT_LIMIT), found > COUNT_LIMIT
        ranked.extend((score, kind_name, pk) for pk, score in rows)
    ranked.sort(key=lambda row: (-row[0], row[1], row[2]))
    page = ranked[offset : offset + limit]

    hits = _fetch_page(backend, scopes, passages, page)
    return Results(hits=hits, total=sum(counts.values()), counts=counts, capped=capped)


def _fetch_page(backend, scopes, passages, page):
    """The hits of one page, in ranking order, with their records and snippets, in a fixed number
    of queries."""
    wanted = {kind_name: [pk for _score, k, pk in page if k == kind_name] for kind_name in scopes}
    score = {(kind_name, pk): value for value, kind_name, pk in page}
    found = {}
    if wanted["passage"]:
        queryset = (
            Passage.objects.filter(pk__in=wanted["passage"])
            .select_related("report", "section")
            .prefetch_related(
                Prefetch("tag_links", queryset=TaggedPassage.objects.select_related("tag").order_by("tag__name"))
            )
        )
        for passage in backend.with_snippet(queryset, "text", whole=False):
            found["passage", passage.pk] = Hit(
                "passage", score["passage", passage.pk], render_snippet(passage.snippet), passage=passage
            )
    if wanted["comment"]:
        queryset = Comment.objects.filter(pk__in=wanted["comment"]).select_related(
            "passage__report", "passage__section", "author"
        )
        for comment in backend.with_snippet(queryset, "body", whole=False):
            found["comment", comment.pk] = Hit(
                "comment",
                score["comment", comment.pk],
                render_snippet(comment.snippet),
                passage=comment.passage,
                comment=comment,
            )
    if wanted["source"]:
        first_links = (
            SourceLink.objects.filter(passage__in=passages)
            .select_related("passage__report")
            .annotate(position=Window(RowNumber(), partition_by="source", order_by="pk"))
            .filter(position__lte=LINKED_PASSAGES_SHOWN)
        )
        links_in_scope = SourceLink.objects.filter(passage__in=passages, source=OuterRef("pk"))
        queryset = (
            Source.objects.filter(pk__in=wanted["source"])
            .annotate(link_count=count_of(links_in_scope))
            .prefetch_related(Prefetch("links", queryset=first_links, to_attr="first_links"))
        )
        for source in backend.with_snippet(queryset, "title", whole=True):
            found["source", source.pk] = Hit(
                "source",
                score["source", source.pk],
                render_snippet(source.snippet),
                source=source,
                linked_passages=[link.passage for link in source.first_links],
                link_count=source.link_count,
            )
    return [found[kind_name, pk] for _score, kind_name, pk in page]
