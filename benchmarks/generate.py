"""A large synthetic news corpus for speed benchmarks, generated fast and streamed.

Text is drawn from a real-text vocabulary: the words of the real Reuters sample
(``tests/data/reuters_sample.jsonl``), each drawn independently with exactly its
observed frequency (to within a 1/65,536 slot), so the word distribution is the real,
Zipf-like one, numbers and all. Words keep their most common
running-text capitalisation ("said", "Brazil", "OPEC"). Independent draws mean two
generated articles share a word 5-gram only by (rare) chance.

An article is an upper-case title line (4-10 words) and 5-15 paragraphs of 20-80 words,
separated by blank lines; sentences of 6-24 words start with a capital and end with a
full stop, and about one word in 14 carries a comma. About ``dup_rate`` of the
documents are near-copies of one of the latest :data:`RECENT` originals (a story is
syndicated within days of its publication, and each original gets ~0.11 copies on
average whatever the corpus size, so duplicate pairs grow linearly with it; copying
from a uniform sample of all earlier originals made a 1M corpus's early stories
collect up to 40 copies): exact copies, 1-3 % word edits (substitutions, deletions, insertions), teasers
(the first 35-80 % of the words) or the article inside a site's chrome
(``benchmarks.corpus.SITE_CHROMES``).

Ids say what a document is: ``gen-00000042`` is an original and
``gen-00000107~edit~gen-00000042`` is document 107, an edited copy of 42 (kinds:
``exact``, ``edit``, ``truncated``, ``chrome``). Copies are made of originals only.

Speed: all the words of a batch of 512 articles are drawn with one numpy call, and the
batch is rendered with one ``str.join`` over a precomputed table of
word + capitalisation + trailing-punctuation strings (small enough to stay in cache).
Deterministic for a seed; the first k documents are the same whatever ``n`` is.

CLI::

    python benchmarks/generate.py 100000 -o corpus.jsonl [--seed 0] [--dup-rate 0.1]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import numpy as np

try:
    from benchmarks.corpus import SITE_CHROMES, load_sample, wrap_chrome
except ImportError:  # run as a script: benchmarks/ is on sys.path, the repo root is not
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.corpus import SITE_CHROMES, load_sample, wrap_chrome

#: changes whenever the articles generated for a seed change, so that cached corpora
#: (``speed.py`` keeps them in ``benchmarks/results/``) are not reused across versions;
#: 2: copies are made of the latest originals only
VERSION = 2
BATCH = 512
#: copies are made of the latest RECENT originals (syndication follows a story within days)
RECENT = 4096

# A code is (cap * N_END + end) * V + word: word index, capitalisation, trailing text.
_ENDS = (" ", ", ", ". ", ".\n\n", "\n\n", ".\x00")
N_END = len(_ENDS)
E_SPACE, E_COMMA, E_STOP, E_PARA, E_TITLE, E_DOC = range(N_END)
C_NATIVE, C_CAPITAL, C_UPPER = range(3)

_WORD_RE = re.compile(r"\w+")


class _Vocab:
    """Words of the real sample, how to draw them, and the rendering table."""

    def __init__(self) -> None:
        docs = [_WORD_RE.findall(t) for t in load_sample()["text"].tolist()]
        forms: dict[str, Counter] = {}
        for words in docs:
            for w in words:
                forms.setdefault(w.lower(), Counter())[w] += 1
        low_words = sorted(forms, key=lambda w: (-sum(forms[w].values()), w))
        index = {w: i for i, w in enumerate(low_words)}
        # running-text form of a word: its commonest spelling that is not all capitals
        # (titles are in capitals), unless it is always in capitals (an acronym)
        native = []
        for low in low_words:
            c = forms[low]
            mixed = [(n, f) for f, n in c.items() if not (f.isupper() and len(f) > 1)]
            native.append(max(mixed)[1] if mixed else c.most_common(1)[0][0])
        self.V = len(native)
        counts = np.array([sum(forms[w].values()) for w in low_words], dtype=np.float64)
        self.slots = _slot_table(counts)
        forms_by_cap = {
            C_NATIVE: native,
            C_CAPITAL: [w[:1].upper() + w[1:] for w in native],
            C_UPPER: [w.upper() for w in native],
        }
        table: list[str] = []
        for cap in (C_NATIVE, C_CAPITAL, C_UPPER):
            for end in _ENDS:
                table.extend(w + end for w in forms_by_cap[cap])
        self.table = np.array(table, dtype=object)

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.slots[rng.integers(0, _SLOTS, size=size, dtype=np.uint16)]

    def code(self, word: np.ndarray, cap, end) -> np.ndarray:
        return ((np.asarray(cap, dtype=np.int32) * N_END + np.asarray(end, dtype=np.int32))
                * self.V + word).astype(np.int32)

    def render(self, codes: np.ndarray) -> str:
        return "".join(np.take(self.table, codes).tolist())


_SLOTS = 1 << 16


def _slot_table(counts: np.ndarray) -> np.ndarray:
    """65,536 slots shared among the words in proportion to their counts (largest
    remainder, at least one slot each): a uniform 16-bit draw picks a word with its
    observed frequency (to within half a slot; the sample has ~57,000 words, so a word
    seen once is drawn 1/65,536 of the time instead of 1/57,000) and the table (256 KB)
    stays in cache."""
    if len(counts) > _SLOTS:
        raise ValueError("vocabulary larger than the slot table")
    share = counts / counts.sum() * _SLOTS
    n = np.maximum(np.floor(share).astype(np.int64), 1)
    short = _SLOTS - int(n.sum())
    if short > 0:
        n[np.argsort(-(share - np.floor(share)), kind="stable")[:short]] += 1
    elif short < 0:  # too many forced ones: take back from the largest
        for i in np.argsort(-n, kind="stable")[:-short]:
            n[i] -= 1
    return np.repeat(np.arange(len(counts), dtype=np.int32), n)


@lru_cache(maxsize=1)
def _vocab() -> _Vocab:
    return _Vocab()


def _ranges(lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(l)`` for each l in ``lengths``."""
    offs = np.repeat(np.r_[0, np.cumsum(lengths)[:-1]], lengths)
    return np.arange(int(lengths.sum())) - offs


def _batch_codes(voc: _Vocab, rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes of ``m`` articles laid end to end: (codes, starts, title lengths).

    Article k is ``codes[starts[k]:starts[k+1]]``; its last code ends the document.
    The dense work is one draw per word; punctuation and capitals are set at sparse
    positions.
    """
    n_para = rng.integers(5, 16, size=m)
    title_len = rng.integers(4, 11, size=m)
    para_len = rng.integers(20, 81, size=int(n_para.sum()))
    first_para = np.r_[0, np.cumsum(n_para)[:-1]]
    art_len = title_len + np.add.reduceat(para_len, first_para)
    total = int(art_len.sum())
    starts = np.r_[0, np.cumsum(art_len)]
    codes = voc.draw(rng, total)                    # native case + " ": code == word

    c = np.r_[0, np.cumsum(para_len)]
    para_start = (np.repeat(starts[:-1] + title_len, n_para)
                  + c[:-1] - np.repeat(c[first_para], n_para))
    # full stops every 6-24 words, none within 4 words of a paragraph's start or end
    stops = np.cumsum(rng.integers(6, 25, size=total // 6 + 2))
    stops = stops[stops < total]
    p = np.maximum(np.searchsorted(para_start, stops, side="right") - 1, 0)
    stops = stops[(stops - para_start[p] >= 4) & (para_start[p] + para_len[p] - 1 - stops >= 4)]
    commas = rng.integers(0, total, size=total // 14)

    end = np.zeros(total, dtype=np.int8)
    cap = np.zeros(total, dtype=np.int8)
    end[commas] = E_COMMA
    end[stops] = E_STOP
    cap[stops + 1] = C_CAPITAL
    end[para_start + para_len - 1] = E_PARA
    cap[para_start] = C_CAPITAL
    title_pos = np.repeat(starts[:-1], title_len) + _ranges(title_len)
    cap[title_pos] = C_UPPER
    end[title_pos] = E_SPACE
    end[starts[:-1] + title_len - 1] = E_TITLE
    end[starts[1:] - 1] = E_DOC

    marked = np.flatnonzero(end | cap)
    codes[marked] = voc.code(codes[marked], cap[marked], end[marked])
    return codes, starts, title_len


def _edit(voc: _Vocab, codes: np.ndarray, title_len: int, rate: float,
          rng: np.random.Generator) -> np.ndarray:
    """Substitute (60 %), delete (20 %) or insert (20 %) about ``rate`` of the body words.

    Works on codes, so capitalisation, punctuation and lines stay put: only plain words
    (native case, followed by a space) are deleted, and inserted words are plain.
    """
    n_body = len(codes) - 1 - title_len
    k = max(1, int(round(rate * len(codes))))
    pos = np.unique(title_len + rng.integers(0, n_body, size=k))
    op = rng.random(len(pos))
    out = codes.copy()
    variant = out[pos] // voc.V
    out[pos] = variant * voc.V + voc.draw(rng, len(pos))      # substitute, same variant
    dele = pos[(op >= 0.6) & (op < 0.8) & (variant == 0)]
    ins = pos[op >= 0.8]
    out[dele] = -1
    out = np.insert(out, ins, voc.draw(rng, len(ins)))
    return out[out >= 0]


def generate_articles(n: int, seed: int = 0, dup_rate: float = 0.1) -> Iterator[dict]:
    """Yield ``n`` synthetic articles ``{"id", "text"}``; see the module docstring."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0 <= dup_rate < 1:
        raise ValueError("dup_rate must be in [0, 1)")
    voc = _vocab()
    rng = np.random.default_rng(seed)
    recent: list = []           # (index, codes, title_len, text) of the latest originals
    n_originals = 0
    i = 0
    while i < n:
        codes, starts, title_len = _batch_codes(voc, rng, BATCH)
        texts = voc.render(codes).split("\x00")
        is_dup = (rng.random(BATCH) < dup_rate).tolist()
        kind = rng.integers(0, 4, size=BATCH).tolist()
        slot = rng.random(BATCH).tolist()
        starts_ = starts.tolist()
        for k in range(BATCH):
            if i >= n:
                return
            if is_dup[k] and recent:
                src_i, src_codes, src_tl, src_text = recent[int(slot[k] * len(recent))]
                kd = kind[k]
                if kd == 0:
                    name, text = "exact", src_text
                elif kd == 1:
                    rate = 0.01 + 0.02 * rng.random()
                    name, text = "edit", voc.render(_edit(voc, src_codes, src_tl, rate, rng))[:-1]
                elif kd == 2:
                    keep = max(src_tl + 1,
                               int(round((0.35 + 0.45 * rng.random()) * len(src_codes))))
                    name, text = "truncated", voc.render(src_codes[:keep]).rstrip(" ,\n")
                else:
                    chrome = SITE_CHROMES[int(rng.integers(len(SITE_CHROMES)))]
                    name, text = "chrome", wrap_chrome(src_text, chrome, rng)
                yield {"id": f"gen-{i:08d}~{name}~gen-{src_i:08d}", "text": text}
            else:
                text = texts[k]
                yield {"id": f"gen-{i:08d}", "text": text}
                entry = (i, codes[starts_[k]:starts_[k + 1]].copy(), int(title_len[k]), text)
                if len(recent) < RECENT:
                    recent.append(entry)
                else:  # a ring: the newest original replaces the oldest
                    recent[n_originals % RECENT] = entry
                n_originals += 1
            i += 1


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Write a synthetic news corpus as JSON lines.")
    ap.add_argument("n", type=int, help="number of articles")
    ap.add_argument("-o", "--output", required=True, help="output .jsonl file ('-' for stdout)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dup-rate", type=float, default=0.1)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    try:
        # ids are plain ASCII; json.dumps with its default ensure_ascii is the fastest
        # way to encode the text (non-ASCII chrome characters become \uXXXX escapes)
        dumps = json.dumps
        lines: list[str] = []
        for doc in generate_articles(args.n, seed=args.seed, dup_rate=args.dup_rate):
            lines.append(f'{{"id": "{doc["id"]}", "text": {dumps(doc["text"])}}}\n')
            if len(lines) >= 1024:
                out.writelines(lines)
                lines.clear()
        out.writelines(lines)
    finally:
        if out is not sys.stdout:
            out.close()
    dt = time.perf_counter() - t0
    print(f"{args.n} articles in {dt:.2f} s ({args.n / dt:,.0f} articles/s)", file=sys.stderr)


if __name__ == "__main__":
    main()
