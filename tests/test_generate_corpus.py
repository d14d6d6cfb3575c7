from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from annotations.models import Comment, Highlight, Passage, Report, SourceLink, Tag, TaggedPassage, Workspace
from annotations.search import search


def generate(**options):
    call_command("generate_corpus", stdout=StringIO(), **options)


def test_generates_reports_passages_and_annotations(db):
    generate(reports=3, passages_per_report=40, workspace="synthetic", seed=7)
    workspace = Workspace.objects.get(slug="synthetic")
    passages = Passage.objects.filter(report__workspace=workspace)
    assert Report.objects.filter(workspace=workspace).count() == 3
    assert passages.count() == 120
    assert set(passages.values_list("kind", flat=True)) >= {Passage.Kind.PARAGRAPH, Passage.Kind.NOTE}
    assert len(set(passages.values_list("text", flat=True))) == 120
    assert Tag.objects.count() == 30
    assert 40 < TaggedPassage.objects.count() < 160
    assert Comment.objects.filter(parent__isnull=False).exists()
    assert Comment.objects.filter(highlight__isnull=False).exists()
    assert SourceLink.objects.exists()
    for highlight in Highlight.objects.select_related("passage"):
        assert highlight.passage.text[highlight.start : highlight.end] == highlight.exact


def test_densities_can_be_set(db):
    generate(reports=1, passages_per_report=200, tags_per_passage=5, comments_per_passage=2, links_per_passage=0.5)
    assert 850 < TaggedPassage.objects.count() < 1150
    assert 300 < Comment.objects.count() < 520
    assert 70 < SourceLink.objects.count() < 130


def test_same_seed_same_text(db):
    generate(reports=1, passages_per_report=20, workspace="a", seed=3)
    generate(reports=1, passages_per_report=20, workspace="b", seed=3)
    texts = {
        slug: list(Passage.objects.filter(report__workspace__slug=slug).values_list("text", flat=True)) for slug in "ab"
    }
    assert texts["a"] == texts["b"]


def test_generated_corpus_is_searchable_by_members(db, django_user_model):
    generate(reports=2, passages_per_report=30, workspace="synthetic", seed=1)
    member = django_user_model.objects.get(username="synthetic-annotator-1")
    stranger = django_user_model.objects.create_user("stranger")
    assert search("security", user=member).total > 0
    assert search("security", user=stranger).total == 0


def test_rejects_empty_corpus(db):
    with pytest.raises(CommandError, match="at least 1"):
        generate(reports=0, passages_per_report=10)
    assert not Workspace.objects.exists()
