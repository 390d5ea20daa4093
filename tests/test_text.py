"""Blocks, spans and normalisation on real scraped text."""

from pathlib import Path

import numpy as np
import pytest

from dedup.text import block_spans, decode_entities, normalize, tokenize, words

NEWS = Path(__file__).parents[1] / "examples" / "news"


@pytest.mark.parametrize("path", sorted(NEWS.glob("*.txt")), ids=lambda p: p.name)
def test_block_spans_slice_the_non_blank_lines(path):
    text = path.read_text(encoding="utf-8")
    spans = block_spans(text)
    expected = [line.strip() for line in text.splitlines() if line.strip()]
    assert [text[s:e] for s, e in spans] == expected


def test_crlf_and_cr_end_lines_and_spans_exclude_them():
    text = "Title\r\n\r\n  First paragraph here.  \r\nSecond\rThird"
    assert [text[s:e] for s, e in block_spans(text)] == ["Title", "First paragraph here.", "Second", "Third"]


def test_typography_does_not_change_the_normalised_text():
    plain = 'Xi said: "We are old friends" - it\'s a U.S. problem, not ours.'
    fancy = "Xi\u00a0said: \u201cWe are old friends\u201d \u2014 it\u2019s a U.S. pro\u00adblem, not\u200b ours."
    assert normalize(fancy) == normalize(plain)
    assert normalize("ＡＢＣ ﬁnance") == "abc finance"  # NFKC: full-width letters, ligature


def test_html_character_references_are_the_characters_they_name():
    # a feed that escapes its text, read by a scraper that does not unescape it
    plain = "Putin\u2019s \u201cplan\u201d for AT&T <T.N> costs $5\u00a0bln"
    escaped = "Putin&rsquo;s &#8220;plan&#x201D; for AT&amp;T &lt;T.N&gt; costs &#36;5&nbsp;bln"
    assert normalize(escaped) == normalize(plain) == "putin s plan for at t t n costs 5 bln"
    # a reference to a line break or a control character separates words and is no block
    assert words("a&#10;b&#5;c&#0;d") == ["a", "b", "c", "d"] and len(block_spans("a&#10;b")) == 1
    # only what names a character: unknown names, a named one without its ';', decoded once
    assert words("R&D &bogus; &amp &amp;lt;") == ["r", "d", "bogus", "amp", "lt"]
    # a name is the whole name: HTML's legacy names without ';' are not its prefixes here
    assert decode_entities("&amplifier; &notit; &copyright; &pound10;") == "&amplifier; &notit; &copyright; &pound10;"


def test_figures_stay_one_word():
    assert words("Fed funds at 6-3/16 pct, 1,234 mln, 1.5 billion at 12:30") == [
        "fed", "funds", "at", "6-3/16", "pct", "1,234", "mln", "1.5", "billion", "at", "12:30"]
    assert words("COVID-19 and U.S.") == ["covid", "19", "and", "u", "s"]


def test_tokenize_batch_matches_per_document_words():
    texts = [p.read_text(encoding="utf-8") for p in sorted(NEWS.glob("*.txt"))] + ["", "   \n  ", "---\nOne"]
    tb = tokenize(texts)
    assert tb.n_docs == len(texts)
    for d, text in enumerate(texts):
        spans = block_spans(text)
        blocks = range(tb.doc_block_offsets[d], tb.doc_block_offsets[d + 1])
        assert [(tb.block_start[b], tb.block_end[b]) for b in blocks] == spans
        for b, (s, e) in zip(blocks, spans):
            assert tb.block_words[b] == len(words(text[s:e]))
    # the same word hashes to the same value everywhere, different words differ
    tb2 = tokenize(["putin xi", "xi putin"])
    assert tb2.word_hash[0] == tb2.word_hash[3] and tb2.word_hash[0] != tb2.word_hash[1]
    assert tb.word_is_number.dtype == np.bool_


def test_the_tokeniser_marks_figures_as_is_figure_defines_them():
    from dedup.text import is_figure

    texts = [p.read_text(encoding="utf-8") for p in sorted(NEWS.glob("*.txt"))]
    texts.append("Six ships loading, eight waiting; 1.5 billion dlrs at 6-3/16 pct on April 7, 1987.")
    tb = tokenize(texts)
    expected = [is_figure(w) for t in texts for s, e in block_spans(t) for w in words(t[s:e])]
    assert tb.word_is_number.tolist() == expected
    assert sum(expected) >= 10
