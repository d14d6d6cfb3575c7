import pytest

from tests.corpus.scoring import gold_files, score


@pytest.mark.parametrize("gold_path", gold_files(), ids=lambda path: path.stem)
def test_corpus_file_meets_its_gold(gold_path):
    result = score(gold_path)
    assert result.ok, result.line()


def test_corpus_covers_every_shape():
    suffixes = {path.stem.rsplit(".", 1)[-1] for path in gold_files()}
    assert len(gold_files()) >= 10
    assert suffixes == {"html", "md", "txt", "pdf"}
