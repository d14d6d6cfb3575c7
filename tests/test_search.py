"""Full-text search: which rows match (not their order), on whichever database the suite runs."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import serializers
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from annotations.models import Comment, Passage, Report, Section, Source, SourceLink
from annotations.search import (
    Group,
    parse_query,
    render_snippet,
    search,
    sqlite_fts_repair,
    to_fts5,
    to_websearch,
)
from tests.conftest import make_report

TEXTS = {
    "asia": "China's security engagement with Central Asia has deepened since 2001.",
    "reversed": "Asia is central to the debate about pipelines in the region.",
    "pipeline": "Russia opposes the new gas pipeline through Kazakhstan.",
    "uzbek": "Uzbekistan buys surveillance technology from Huawei.",
    "us": "The U.S. policy on Afghanistan shaped the SCO's agenda.",
    "markup": 'Officials called it <b>bold</b> & "unprecedented" cooperation.',
}


def passage_texts(results):
    return {hit.passage.text for hit in results.hits if hit.kind == "passage"}


def matching(query, user, **filters):
    """Keys of TEXTS whose passages `query` finds."""
    found = passage_texts(search(query, user=user, limit=100, **filters))
    return {key for key, text in TEXTS.items() if text in found}


@pytest.fixture
def corpus(workspace):
    report = Report.objects.create(workspace=workspace, title="Security in Central Asia", slug="security")
    section = Section.objects.create(report=report, order=1, title="Overview")
    Passage.objects.bulk_create(
        Passage(report=report, section=section, order=i, text=text) for i, text in enumerate(TEXTS.values(), 1)
    )
    return report


# --- Parsing: no database ---------------------------------------------------------------------


def test_parse_query_reads_phrases_alternatives_and_exclusions():
    assert parse_query('pipeline "central asia" -russia or huawei') == (
        Group(include=("pipeline", "central asia"), exclude=("russia",)),
        Group(include=("huawei",)),
    )


@pytest.mark.parametrize(
    "query", ['"', "*", "NEAR(", "-", '"unbalanced', "or", "-russia", '""', "--", "( ) ^ :", "\x00", "   "]
)
def test_parse_query_keeps_only_real_terms(query):
    for group in parse_query(query):
        for term in group.include + group.exclude:
            assert any(ch.isalnum() for ch in term)
            assert '"' not in term
            assert "\x00" not in term


def test_engine_queries_quote_every_term():
    groups = parse_query('NEAR(a b) text:x "c d" -e* OR f')
    assert to_fts5(groups) == '(("NEAR(a" AND "b)" AND "text:x" AND "c d") NOT ("e*")) OR ("f")'
    assert to_websearch(groups) == '"NEAR(a" "b)" "text:x" "c d" -"e*" or "f"'


def test_render_snippet_escapes_text_and_marks_only_matches():
    html = render_snippet('<b>x</b> \x02"match"\x03 & stray\x03 end\x02open')
    assert html == "&lt;b&gt;x&lt;/b&gt; <mark>&quot;match&quot;</mark> &amp; stray end\x02open".replace("\x02", "")


# --- Matching ---------------------------------------------------------------------------------


def test_words_match_with_stemming(corpus, viewer):
    assert matching("pipelines", viewer) == {"reversed", "pipeline"}
    assert matching("Huawei surveillance", viewer) == {"uzbek"}


def test_phrase_needs_adjacent_words(corpus, viewer):
    assert matching('"central asia"', viewer) == {"asia"}
    assert matching("central asia", viewer) == {"asia", "reversed"}


def test_exclusion_removes_matches(corpus, viewer):
    assert matching("pipeline -russia", viewer) == {"reversed"}
    assert matching('asia -"central asia"', viewer) == {"reversed"}


def test_or_between_alternatives(corpus, viewer):
    assert matching("uzbekistan or kazakhstan", viewer) == {"uzbek", "pipeline"}
    assert matching("huawei OR russia gas", viewer) == {"uzbek", "pipeline"}


def test_punctuation_in_terms(corpus, viewer):
    assert matching("U.S. Afghanistan", viewer) == {"us"}
    assert matching("China's", viewer) == {"asia"}
    assert matching("<b>bold</b>", viewer) == {"markup"}


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "NEAR(",
        "NEAR(asia",
        "-",
        '"unbalanced asia',
        "asia)",
        "AND",
        "OR",
        "NOT asia",
        "asia*",
        "^asia",
        "text:asia",
        "'",
        "\\",
        '""',
        '-"',
        "{asia}",
        "🙂",
        "\x00asia",
        "-asia",
        "asia -",
        'a"s"i"a',
        "x" * 2000,
    ],
)
def test_hostile_input_never_raises(corpus, viewer, query):
    results = search(query, user=viewer)
    assert results.total == len(results.hits) or results.total > len(results.hits)


def test_empty_or_exclusion_only_query_finds_nothing(corpus, viewer):
    assert search("", user=viewer).total == 0
    assert search("-russia", user=viewer).total == 0


def test_notes_are_searched(corpus, viewer):
    Passage.objects.create(report=corpus, order=99, kind=Passage.Kind.NOTE, label="7", text="Interview, Bishkek 2014.")
    hits = search("bishkek", user=viewer).hits
    assert [(hit.kind, hit.passage.label) for hit in hits] == [("passage", "7")]


def test_comments_are_found_and_point_to_their_passage(corpus, viewer, annotator):
    passage = corpus.passages.get(order=3)
    live = Comment.objects.create(passage=passage, author=annotator, body="Check the **tariff** figures")
    Comment.objects.create(passage=passage, author=annotator, body="Old tariff note", deleted_at=timezone.now())
    results = search("tariff", user=viewer)
    assert [(hit.kind, hit.comment, hit.passage) for hit in results.hits] == [("comment", live, passage)]
    assert "<mark>tariff</mark>" in results.hits[0].snippet


def test_sources_are_found_with_the_passages_citing_them(corpus, workspace, viewer):
    cited = Source.objects.create(workspace=workspace, url="https://example.org/a", title="Caspian energy review")
    Source.objects.create(workspace=workspace, url="https://example.org/b", title="Caspian fisheries")
    passage = corpus.passages.get(order=3)
    SourceLink.objects.create(passage=passage, source=cited)
    hits = {hit.source.title: hit for hit in search("caspian", user=viewer).hits}
    assert set(hits) == {"Caspian energy review", "Caspian fisheries"}
    assert hits["Caspian energy review"].linked_passages == [passage]
    assert hits["Caspian energy review"].link_count == 1
    assert hits["Caspian fisheries"].linked_passages == []
    assert "<mark>Caspian</mark>" in hits["Caspian fisheries"].snippet


def test_snippet_is_escaped_and_marked(corpus, viewer):
    [hit] = search("unprecedented", user=viewer).hits
    # ts_headline leaves tag-like tokens out of the excerpt; FTS5 keeps them, escaped.
    assert "<b>" not in hit.snippet
    assert "&amp; &quot;<mark>unprecedented</mark>&quot;" in hit.snippet


# --- Permissions and filters ------------------------------------------------------------------


def test_outsider_sees_nothing_of_another_workspace(corpus, workspace, outsider, annotator):
    Comment.objects.create(passage=corpus.passages.first(), author=annotator, body="Asia comment")
    Source.objects.create(workspace=workspace, url="https://example.org/s", title="Asia source")
    assert search("asia", user=outsider).total == 0
    assert search("asia", user=AnonymousUser()).total == 0
    results = search("asia", user=annotator)
    assert results.counts == {"passage": 2, "comment": 1, "source": 1}


def test_outsider_finds_their_own_workspace(corpus, other_workspace, outsider):
    theirs = make_report(other_workspace, passages=2, title="Theirs")
    found = search("xinjiang", user=outsider).hits
    assert {hit.passage.report for hit in found} == {theirs}


def test_superusers_search_every_workspace_staff_none(corpus, other_workspace, django_user_model):
    """Only membership opens a workspace: staff status (opening the admin) finds nothing."""
    make_report(other_workspace, passages=2)
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    superuser = django_user_model.objects.create_user("root", is_staff=True, is_superuser=True)
    assert search("xinjiang", user=staff).total == 0
    assert search("asia", user=superuser).counts["passage"] == 2
    assert search("xinjiang", user=superuser).counts["passage"] == 2


def test_filters_narrow_passages_comments_and_sources(corpus, workspace, viewer, annotator):
    other = make_report(workspace, passages=2, title="Other report")
    asia = corpus.passages.get(order=1)
    asia.status = Passage.Status.APPROVED
    asia.save()
    asia.tags.add("Security cooperation")
    Comment.objects.create(passage=other.passages.first(), author=annotator, body="Xinjiang again")
    source = Source.objects.create(workspace=workspace, url="https://example.org/x", title="Xinjiang atlas")
    SourceLink.objects.create(passage=other.passages.first(), source=source)

    assert matching("asia", viewer, status="approved") == {"asia"}
    assert matching("asia", viewer, tag="security COOPERATION") == {"asia"}
    assert matching("asia", viewer, kind="note") == set()
    assert search("xinjiang", user=viewer, report=corpus).total == 0
    assert search("xinjiang", user=viewer, report=other).counts == {"passage": 2, "comment": 1, "source": 1}
    assert search("xinjiang", user=viewer, workspace=workspace).counts == {"passage": 2, "comment": 1, "source": 1}


def test_pages_partition_the_ranking(workspace, viewer):
    make_report(workspace, passages=25)
    first = search("xinjiang", user=viewer, limit=10)
    pages = [first.hits] + [search("xinjiang", user=viewer, limit=10, offset=o).hits for o in (10, 20)]
    ids = [hit.passage.pk for page in pages for hit in page]
    assert first.total == 25
    assert [len(page) for page in pages] == [10, 10, 5]
    assert len(set(ids)) == 25


# --- The index follows every kind of write ----------------------------------------------------


def test_index_follows_update_and_delete(corpus, viewer):
    Passage.objects.filter(text=TEXTS["uzbek"]).update(text="Turkmenistan sells gas to China.")
    assert matching("huawei", viewer) == set()
    assert passage_texts(search("turkmenistan", user=viewer)) == {"Turkmenistan sells gas to China."}
    Passage.objects.filter(text__startswith="Turkmenistan").delete()
    assert search("turkmenistan", user=viewer).total == 0


def test_index_follows_save_and_comment_edits(corpus, viewer, annotator):
    passage = corpus.passages.get(order=1)
    passage.text = "Tajikistan hosts a Chinese outpost."
    passage.save()
    assert passage_texts(search("outpost", user=viewer)) == {passage.text}
    comment = Comment.objects.create(passage=passage, author=annotator, body="first draft")
    Comment.objects.filter(pk=comment.pk).update(body="second thoughts")
    assert search("draft", user=viewer).total == 0
    assert search("thoughts", user=viewer).counts["comment"] == 1


def test_index_follows_loaddata(corpus, viewer, tmp_path):
    passages = list(corpus.passages.all())
    fixture = tmp_path / "corpus.json"
    # The report's work goes too: deleting a work's only version deletes the work.
    fixture.write_text(serializers.serialize("json", [corpus.work, corpus, *corpus.sections.all(), *passages]))
    corpus.delete()
    assert search("asia", user=viewer).total == 0
    call_command("loaddata", str(fixture), verbosity=0)
    assert matching("asia", viewer) == {"asia", "reversed"}
    assert len(json.loads(fixture.read_text())) == len(passages) + 3


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5 triggers")
def test_sqlite_repair_restores_dropped_triggers(corpus, viewer):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER annotations_passage_fts_au")
    Passage.objects.filter(text=TEXTS["uzbek"]).update(text="Kyrgyzstan imports wheat.")
    assert sqlite_fts_repair() == ["annotations_passage"]
    assert matching("huawei", viewer) == set()
    assert passage_texts(search("wheat", user=viewer)) == {"Kyrgyzstan imports wheat."}
    assert sqlite_fts_repair() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL GIN index")
def test_postgres_search_uses_the_gin_index(corpus, viewer):
    from annotations.search import _backend

    matches = _backend(parse_query("pipeline")).matching(Passage.objects.all(), "text")
    with connection.cursor() as cursor:
        # A handful of rows would be read sequentially (or along the primary key); the point is
        # that the GIN index can serve the filter, so leave the planner only bitmap scans.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = matches.explain()
    assert "annotations_passage_search_vector" in plan


def test_counts_stop_at_the_limit(workspace, viewer, monkeypatch):
    monkeypatch.setattr("annotations.search.COUNT_LIMIT", 7)
    make_report(workspace, passages=12)
    results = search("xinjiang", user=viewer, limit=5)
    assert (results.counts["passage"], results.capped["passage"], results.more) == (7, True, True)
    assert len(results.hits) == 5
    assert (search("xinjiang", user=viewer, limit=20).counts["passage"], results.capped["passage"]) == (7, True)
    exact = search('"number 3"', user=viewer, limit=5)
    assert (exact.counts["passage"], exact.capped["passage"], exact.more) == (1, False, False)
