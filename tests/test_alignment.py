"""The pure alignment and re-anchoring core, on short strings (no database)."""

from annotations.alignment import (
    OffsetMap,
    Piece,
    Quote,
    align,
    best_candidates,
    locate,
    moved_links,
    reanchor,
    word_diff,
)

A = "China's engagement with Central Asia has grown steadily since the 1990s."
B = "Beijing prefers bilateral channels, yet it also works through the SCO."
C = "Russia remains the main security provider in the region, through the CSTO."
D = "Energy pipelines tie Turkmenistan and Kazakhstan to western China."


def pieces(*texts, notes=()):
    return [Piece(t) for t in texts] + [Piece(t, is_note=True) for t in notes]


def pairs(alignment):
    return {(link.old, link.new) for link in alignment.links}


def quote(text, exact, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(exact, start + 1)
    end = start + len(exact)
    return Quote(
        exact=exact, prefix=text[max(0, start - 32) : start], suffix=text[end : end + 32], start=start, end=end
    )


def test_identical_passages_pair_whatever_their_order():
    alignment = align(pieces(A, B, C, D), pieces(C, D, A, B))  # a moved section
    assert pairs(alignment) == {((0,), (2,)), ((1,), (3,)), ((2,), (0,)), ((3,), (1,))}
    assert all(link.how == "same" for link in alignment.links)


def test_whitespace_changes_count_as_identical():
    alignment = align(pieces(A), pieces(A.replace(" ", "  ") + "\n"))
    assert alignment.links[0].how == "same"


def test_an_edited_sentence_pairs_with_its_revision():
    edited = A.replace("grown steadily", "grown quickly")
    alignment = align(pieces(A, B), pieces(edited, B))
    assert pairs(alignment) == {((0,), (0,)), ((1,), (1,))}
    assert alignment.by_old[0].how == "edited"


def test_inserted_and_deleted_passages_stay_unpaired():
    alignment = align(pieces(A, B, C), pieces(A, D, C))
    assert pairs(alignment) == {((0,), (0,)), ((2,), (2,))}
    assert alignment.removed() == [1]
    assert alignment.added() == [1]


def test_a_deleted_passage_does_not_fall_onto_a_look_alike():
    old = "The committee held three hearings on the region in 2014 and in 2015."
    other = "The committee also met twice with energy companies operating in Mongolia."
    alignment = align(pieces(old, B), pieces(B, other))
    assert 0 not in alignment.by_old


def test_two_equally_good_partners_leave_the_passage_unpaired():
    old = "The delegation visited Astana, Bishkek and Dushanbe in the spring of 2014."
    twin1 = "The delegation visited Astana, Bishkek and Tashkent in the spring of 2014."
    twin2 = "The delegation visited Astana, Almaty and Dushanbe in the spring of 2014."
    alignment = align(pieces(old), pieces(twin1, twin2))
    assert alignment.links == []


def test_short_passages_pair_only_when_identical():
    alignment = align(pieces("Yes.", A), pieces("No.", A))
    assert pairs(alignment) == {((1,), (1,))}


def test_repeated_text_pairs_by_its_neighbours():
    alignment = align(pieces(A, "Thank you.", B, "Thank you."), pieces(A, "Thank you.", C, B, "Thank you."))
    assert alignment.by_old[1].new == (1,)
    assert alignment.by_old[3].new == (4,)


def test_a_split_paragraph_pairs_with_both_halves():
    alignment = align(pieces(A + " " + B, C), pieces(A, B, C))
    assert alignment.by_old[0].new == (0, 1)
    assert alignment.by_old[0].how == "split"


def test_a_split_paragraph_with_unequal_halves_pairs_with_both():
    long_a = A + " " + D + " " + C
    alignment = align(pieces(long_a + " " + B), pieces(long_a, B))
    assert alignment.by_old[0].new == (0, 1)


def test_merged_paragraphs_pair_with_the_merged_one():
    alignment = align(pieces(A, B, C), pieces(A + " " + B, C))
    assert alignment.by_new[0].old == (0, 1)
    assert alignment.by_new[0].how == "merged"


def test_notes_pair_with_notes_even_when_renumbered():
    note3 = "Marlene Laruelle, Russia's Central Asia Policy and the Role of Russian Nationalism, 2008."
    note4 = "Ministry of Foreign Affairs of the People's Republic of China, press release, June 2014."
    alignment = align(pieces(A, notes=[note3, note4]), pieces(A, notes=[note4.replace("June", "July"), note3]))
    assert alignment.by_old[1].new == (2,)
    assert alignment.by_old[2].new == (1,)


def test_offset_map_follows_insertions_and_deletions():
    mapping = OffsetMap("the quick fox", "the very quick brown fox")
    assert mapping(4) == 9  # "quick"
    assert mapping(9, end=True) == 14
    assert mapping(10) == 21  # "fox"


def test_reanchor_in_unchanged_text_keeps_the_offsets():
    anchor = reanchor(quote(A, "Central Asia"), A, A)
    assert (anchor.start, anchor.end, anchor.how, anchor.confidence) == (24, 36, "unchanged", 1.0)


def test_reanchor_follows_an_insertion_before_the_span():
    new = "Since 2001, " + A
    anchor = reanchor(quote(A, "Central Asia"), A, new)
    assert new[anchor.start : anchor.end] == "Central Asia"
    assert anchor.start == 36


def test_reanchor_uses_prefix_and_suffix_to_pick_between_occurrences():
    old = "Trade with China grew. Security ties with China grew too."
    new = "Trade with China grew fast. Security ties with China grew too."
    anchor = reanchor(quote(old, "China", occurrence=1), old, new)
    assert anchor.start == new.rindex("China")


def test_reanchor_handles_astral_and_cyrillic_text_in_code_points():
    old = "The 🇨🇳 flag and Шанхайская организация сотрудничества (SCO) appear together."
    new = "Now 😀 the 🇨🇳 flag and Шанхайская организация сотрудничества (SCO) appear together."
    anchor = reanchor(quote(old, "Шанхайская организация"), old, new)
    assert new[anchor.start : anchor.end] == "Шанхайская организация"


def test_reanchor_follows_a_light_edit_inside_the_span():
    old = "Beijing prefers bilateral channels over multilateral ones in the region."
    new = "Beijing prefers bilateral channel over multilateral ones in the region."
    anchor = reanchor(quote(old, "prefers bilateral channels over"), old, new)
    assert new[anchor.start : anchor.end] == "prefers bilateral channel over"
    assert anchor.how == "fuzzy"


def test_a_rewritten_span_is_not_placed():
    old = "Beijing prefers bilateral channels over multilateral ones in the region."
    new = "Beijing prefers to act through the SCO and other regional organisations."
    assert reanchor(quote(old, "bilateral channels over multilateral ones"), old, new) is None


def test_a_short_quote_whose_context_is_gone_is_not_placed():
    old = "Kazakhstan hosts the largest Chinese investment; Uzbekistan follows."
    new = "Turkmenistan sells its gas eastwards, and the largest buyer is China, not Kazakhstan."
    assert reanchor(quote(old, "Kazakhstan"), old, new) is None


def test_two_places_that_fit_equally_leave_the_quote_unplaced():
    q = Quote(exact="the SCO", prefix="through ", suffix=".")
    assert locate(q, ["It works through the SCO. It works through the SCO."]) is None


def test_locate_searches_every_text_of_a_split():
    q = quote(A + " " + B, "bilateral channels")
    anchor = locate(q, [A, B])
    assert (anchor.target, B[anchor.start : anchor.end]) == (1, "bilateral channels")


def test_best_candidates_rank_the_passages_holding_the_quote():
    q = quote(B, "bilateral channels")
    assert best_candidates(q, [A, B.replace("yet", "but"), C])[0][0] == 1


def test_empty_quote_is_never_placed():
    assert locate(Quote(exact="  "), [A]) is None


def test_a_short_edited_passage_between_paired_neighbours_pairs():
    alignment = align(pieces(A, "See 23 C.F.R. § 650.313.", B), pieces(A, "See 23 C.F.R. § 650.315.", B))
    assert alignment.by_old[1].new == (1,)
    assert align(pieces(A, "Yes.", B), pieces(A, "No.", B)).by_old.get(1) is None


def test_word_diff_marks_changed_words():
    assert word_diff("grown steadily since 1990.", "grown quickly since 1990.") == [
        ("equal", "grown "),
        ("delete", "steadily"),
        ("insert", "quickly"),
        ("equal", " since 1990."),
    ]


def test_moved_links_are_those_out_of_reading_order():
    alignment = align(pieces(A, B, C, D), pieces(C, A, B, D))
    moved = moved_links(alignment.links)
    assert [alignment.links[k].old for k in moved] == [(2,)]
