from types import SimpleNamespace

from annotations.reading import note_finder, split_segments


def span(start, end, name):
    return SimpleNamespace(start=start, end=end, uuid=name)


def test_text_without_highlights_is_one_plain_segment():
    [segment] = split_segments("Plain text.", [])
    assert (segment.text, segment.start, segment.highlights) == ("Plain text.", 0, [])


def test_overlapping_highlights_split_the_text_at_every_boundary():
    a, b = span(0, 6, "a"), span(3, 10, "b")
    segments = split_segments("abcdefghijkl", [a, b])
    assert [(s.text, [h.uuid for h in s.highlights]) for s in segments] == [
        ("abc", ["a"]),
        ("def", ["a", "b"]),
        ("ghij", ["b"]),
        ("kl", []),
    ]


def test_nested_highlight_lists_the_innermost_first():
    outer, inner = span(0, 10, "outer"), span(2, 4, "inner")
    segments = split_segments("0123456789", [outer, inner])
    assert [h.uuid for h in segments[1].highlights] == ["inner", "outer"]
    assert "".join(s.text for s in segments) == "0123456789"


def test_offsets_count_code_points_not_utf16_units():
    text = "🚀 上海 SCO"
    [before, marked, after] = split_segments(text, [span(2, 4, "cjk")])
    assert (before.text, marked.text, after.text) == ("🚀 ", "上海", " SCO")


def test_highlights_beyond_the_text_are_clipped_or_dropped():
    segments = split_segments("short", [span(3, 99, "long"), span(50, 60, "gone")])
    assert [(s.text, [h.uuid for h in s.highlights]) for s in segments] == [("sho", []), ("rt", ["long"])]


def test_footnote_marker_finds_the_next_note_with_its_label():
    first_note = SimpleNamespace(label="1", order=5)
    second_note = SimpleNamespace(label="1", order=20)
    find = note_finder([first_note, second_note])
    assert find(SimpleNamespace(order=10, footnotes=["1"])) == [("1", second_note)]
    assert find(SimpleNamespace(order=30, footnotes=["1", "9"])) == [("1", first_note), ("9", None)]
