import pytest

from textkit.stats import text_stats
from textkit.tokenize import sentences, words


def test_words_are_normalized():
    assert words("Hello,  WORLD!") == ["hello", "world"]


def test_sentences_keep_abbreviations():
    text = "We met Dr. Smith today. He was late."
    assert sentences(text) == ["We met Dr. Smith today.", "He was late."]


@pytest.mark.parametrize("text,expected", [("", 0), ("one two two", 3)])
def test_word_count(text, expected):
    assert text_stats(text).n_words == expected


def test_type_token_ratio():
    stats = text_stats("a a b b")
    assert stats.n_types == 2
    assert stats.type_token_ratio == 0.5
