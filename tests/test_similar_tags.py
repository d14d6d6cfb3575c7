"""The finder of similar tag names (issue 16, item 13), on names alone."""

from types import SimpleNamespace

import pytest

from annotations.admin.similar_tags import similar_groups, singular, why_similar


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        ("Ürümqi", "urumqi", "same words apart from case, accents or punctuation"),
        ("Russia–China rivalry", "russia-china Rivalry", "same words apart from case, accents or punctuation"),
        ("pipeline", "Pipelines", "singular and plural"),
        ("energy security", "Energy securities", "singular and plural"),
        ("Xinjiang", "Xinjang", "a letter or two apart"),
        ("Shanghai Cooperation", "Shanghai Coperation", "a letter or two apart"),
        ("SCO", "SCB", None),
        ("Question 1", "Question 2", None),
        ("Energy", "Security", None),
    ],
)
def test_why_two_names_look_alike(a, b, reason):
    assert why_similar(a, b) == reason


@pytest.mark.parametrize(
    ("word", "one"), [("cities", "city"), ("taxes", "tax"), ("pipelines", "pipeline"), ("status", "status")]
)
def test_singular(word, one):
    assert singular(word) == one


def tag(pk, name, workspace=1):
    return SimpleNamespace(pk=pk, name=name, workspace_id=workspace)


def test_groups_follow_similarity_through():
    groups = similar_groups([tag(1, "Xinjiang"), tag(2, "xinjang"), tag(3, "Xinjiangs"), tag(4, "SCO")])
    assert [[t.pk for t in group.tags] for group in groups] == [[2, 1, 3]]


def test_groups_never_cross_workspaces():
    assert similar_groups([tag(1, "pipeline", workspace=1), tag(2, "Pipelines", workspace=2)]) == []


def test_a_numbered_codebook_has_no_lookalikes():
    assert similar_groups([tag(i, f"Interview question {i}") for i in range(300)]) == []
