"""Tags whose names look like one code typed twice, for curators to merge (issue 16, item 13):
the same words apart from case, accents or punctuation ("Ürümqi" / "urumqi"), singular and
plural ("pipeline" / "Pipelines"), or a slip of a letter or two ("Xinjiang" / "Xinjang"). Only tags
of one codebook (one workspace) are ever grouped. Pure functions over names: no database here."""

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein


def folded(text):
    """Text compared as people read it: case and accents aside ("Ürümqi" reads as "urumqi")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def singular(word):
    """English plural to singular, for the common endings only (cities, taxes, pipelines)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words_of(name):
    return tuple(re.findall(r"\w+", folded(name)))


def name_key(words):
    """The words of a name, singular: names with one key are one code."""
    return " ".join(singular(word) for word in words)


def letters_apart(a, b):
    """How many letters two keys may differ by and still be a slip: none below five letters
    ("SCO" and "SCB" are different codes), one up to nine, two from ten."""
    shorter = min(len(a), len(b))
    return 0 if shorter < 5 else 1 if shorter < 10 else 2


def why_similar(a, b):
    """Why two names look like one code, or None."""
    return _why(words_of(a), words_of(b))


def _why(words_a, words_b):
    if words_a == words_b:
        return "same words apart from case, accents or punctuation"
    key_a, key_b = name_key(words_a), name_key(words_b)
    if key_a == key_b:
        return "singular and plural"
    if _slip(key_a, key_b):
        return "a letter or two apart"
    return None


def _slip(key_a, key_b, distance=None):
    """Keys a letter or two apart; numbers must agree ("Question 1" and "Question 2" are two codes)."""
    allowed = letters_apart(key_a, key_b)
    if not allowed or re.findall(r"\d+", key_a) != re.findall(r"\d+", key_b):
        return False
    if distance is None:
        distance = Levenshtein.distance(key_a, key_b, score_cutoff=allowed)
    return distance <= allowed


@dataclass
class SimilarGroup:
    tags: list
    reasons: list


def similar_groups(tags):
    """Groups of two or more tags of one workspace whose names look alike, each with the reasons
    found between its members; a tag is in one group at most (similarity is followed through: if
    A is like B and B like C, the three are one group)."""
    tags = sorted(tags, key=lambda tag: (tag.workspace_id, folded(tag.name), tag.pk))
    words = [words_of(tag.name) for tag in tags]
    keys = [name_key(w) for w in words]
    parent = list(range(len(tags)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    reasons = {}

    def join(i, j, reason):
        parent[root(j)] = root(i)
        reasons.setdefault(i, set()).add(reason)

    first_with_words, first_with_key = {}, {}
    for i, tag in enumerate(tags):
        same_words = first_with_words.setdefault((tag.workspace_id, words[i]), i)
        same_key = first_with_key.setdefault((tag.workspace_id, keys[i]), i)
        if same_words != i:
            join(same_words, i, "same words apart from case, accents or punctuation")
        elif same_key != i:
            join(same_key, i, "singular and plural")
    end = 0
    for i, tag in enumerate(tags):
        end = max(end, i + 1)
        while end < len(tags) and tags[end].workspace_id == tag.workspace_id:
            end += 1
        # The edit distances of one name to the rest of its codebook, computed in C by rapidfuzz.
        cutoff = 2 if len(keys[i]) >= 10 else 1
        for _key, distance, j in process.extract(
            keys[i], keys[i + 1 : end], scorer=Levenshtein.distance, score_cutoff=cutoff, limit=None
        ):
            j += i + 1
            if 0 < distance and keys[i] != keys[j] and _slip(keys[i], keys[j], distance):
                join(i, j, "a letter or two apart")
    members = {}
    for i in range(len(tags)):
        members.setdefault(root(i), []).append(i)
    groups = []
    for indices in members.values():
        if len(indices) > 1:
            found = set().union(*(reasons.get(i, set()) for i in indices))
            groups.append(SimilarGroup(tags=[tags[i] for i in indices], reasons=sorted(found)))
    return groups
