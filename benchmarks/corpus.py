"""A labelled evaluation corpus built from real articles.

Every function is pure Python + numpy/pandas and deterministic for a seed (or for the
state of the ``numpy.random.Generator`` passed in). Start from real articles, by default
``tests/data/reuters_sample.jsonl`` (real Reuters-21578 stories, see
``tests/data/README.md``), and make copies of them the way the web makes them:

================  =====================================================================
perturbation      what a copy looks like
================  =====================================================================
exact             byte-identical re-post
typographic       curly quotes and apostrophes, em dashes, ellipses, some NBSP spaces,
                  CRLF line endings: different bytes, the same words
edit_1pct/3pct    1 % / 3 % of the words substituted, deleted or inserted (light
                  editing, corrections, typos)
chrome            the article inside a news site's header and footer lines
truncated_70/35   a teaser: the first 70 % / 35 % of the words
repeated_para     a scraper bug: one paragraph (or the title + lead) emitted twice
================  =====================================================================

``labelled_corpus`` combines them into a DataFrame with a ground-truth ``story`` label
(documents with the same story are duplicates) and a ``kind`` that says how each
document was made; ``pairs`` turns the labels into the set of true duplicate pairs.

Words, here, are whitespace-separated tokens (``\\S+``): edits, truncation and rates are
counted in them, and no function changes a line break except ``perturb_typographic``
(``\\n`` -> ``\\r\\n``) and the added chrome / repeated lines.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import textwrap
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

SAMPLE_PATH = Path(__file__).resolve().parent.parent / "tests" / "data" / "reuters_sample.jsonl"

_TOKEN_RE = re.compile(r"\S+")
_WORD_RE = re.compile(r"\w+")
_CORE_RE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)

NBSP = "\u00a0"


def _rng(rng) -> np.random.Generator:
    """Accept a Generator (used as is) or anything ``default_rng`` takes (an int seed)."""
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def load_sample(path: str | Path = SAMPLE_PATH) -> pd.DataFrame:
    """The real Reuters sample as a DataFrame.

    Columns ``id, family, kind, template, date, text`` (``template`` is missing (NaN)
    except on templated reports). See ``tests/data/README.md``.
    """
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    df = pd.DataFrame(rows)
    if "template" not in df:
        df["template"] = None
    return df


def article_vocab(texts: Sequence[str]) -> list[str]:
    """Every word token (``\\w+`` with a letter, 2+ characters) of ``texts``, in order.

    Repeats are kept, so drawing uniformly from the list draws words with their real
    frequencies.
    """
    out: list[str] = []
    for t in texts:
        out.extend(w for w in _WORD_RE.findall(t) if len(w) > 1 and not w.isdigit())
    return out


# --------------------------------------------------------------------------- typography

_OPEN_BEFORE = set(" \t\n\r([{\u2014" + NBSP)


def perturb_typographic(text: str, rng) -> str:
    """The same words in a web page's typography.

    Straight double quotes become curly (“ ”), apostrophes and single quotes become
    ’ / ‘, `` - `` and ``--`` become an em dash, ``...`` an ellipsis, about 20 % of the
    spaces (at least one) become no-break spaces, and line endings become CRLF. No word
    character is added, removed or changed, so the lower-cased ``\\w+`` words are
    identical; the bytes are not.
    """
    rng = _rng(rng)
    out = []
    prev = "\n"
    for ch in text:
        if ch == '"':
            ch = "\u201c" if prev in _OPEN_BEFORE else "\u201d"
        elif ch == "'":
            ch = "\u2018" if prev in _OPEN_BEFORE else "\u2019"
        out.append(ch)
        prev = ch
    t = "".join(out)
    t = t.replace(" -- ", " \u2014 ").replace("--", "\u2014").replace(" - ", " \u2014 ")
    t = t.replace("...", "\u2026")
    # no-break spaces
    spaces = [m.start() for m in re.finditer(" ", t)]
    if spaces:
        k = max(1, int(round(0.2 * len(spaces))))
        chosen = set(rng.choice(len(spaces), size=k, replace=False).tolist())
        chars = list(t)
        for n, pos in enumerate(spaces):
            if n in chosen:
                chars[pos] = NBSP
        t = "".join(chars)
    return t.replace("\r\n", "\n").replace("\n", "\r\n")


# --------------------------------------------------------------------------- word edits

def perturb_words(text: str, rate: float, rng, vocab: Sequence[str]) -> str:
    """Edit a ``rate`` fraction of the words (whitespace tokens) of ``text``.

    ``round(rate * n_words)`` distinct words (at least one when ``rate > 0``) are each
    substituted by a different word drawn from ``vocab`` (60 %, keeping the token's
    leading/trailing punctuation), deleted (20 %) or followed by an inserted ``vocab``
    word (20 %). Line structure is kept: no line is removed or added (a word alone on its
    line is substituted rather than deleted).
    """
    rng = _rng(rng)
    if not vocab:
        raise ValueError("perturb_words needs a non-empty vocab")
    spans = [m.span() for m in _TOKEN_RE.finditer(text)]
    n = len(spans)
    if n == 0 or rate <= 0:
        return text
    k = min(n, max(1, int(round(rate * n))))
    positions = np.sort(rng.choice(n, size=k, replace=False))
    ops = rng.choice(3, size=k, p=[0.6, 0.2, 0.2])  # 0 substitute, 1 delete, 2 insert

    def draw(exclude: str) -> str:
        for _ in range(20):
            w = vocab[int(rng.integers(len(vocab)))]
            if w.lower() != exclude.lower():
                return w
        return exclude + "x"

    pieces: list[str] = []
    last = 0
    for pos, op in zip(positions.tolist(), ops.tolist()):
        start, end = spans[pos]
        tok = text[start:end]
        pieces.append(text[last:start])
        last = end
        alone = (start == 0 or text[start - 1] in "\r\n") and (end == len(text) or text[end] in "\r\n")
        if op == 1 and alone:
            op = 0
        if op == 0:
            pre, core, post = _CORE_RE.match(tok).groups()
            pieces.append(pre + draw(core or tok) + post)
        elif op == 1:
            # drop the token and one adjacent space so no double space is left
            if end < len(text) and text[end] == " ":
                last = end + 1
            elif pieces and pieces[-1].endswith(" "):
                pieces[-1] = pieces[-1][:-1]
        else:
            pieces.append(tok + " " + draw(""))
    pieces.append(text[last:])
    return "".join(pieces)


# --------------------------------------------------------------------------- site chrome

#: Header and footer lines of news sites (fictional names, real-world layouts). ``related``
#: is a pool of "Related Articles" headlines of which ``wrap_chrome`` shows three.
SITE_CHROMES: list[dict] = [
    {
        "name": "daily_ledger",
        "header": [
            "Skip to main content",
            "The Daily Ledger",
            "Home | World | Business | Markets | Politics | Technology | Opinion",
            "Sign in",
            "Subscribe for $1 a week",
            "Business",
        ],
        "footer": [
            "Share this article",
            "Facebook Twitter LinkedIn Email",
            "Related Articles",
            "Subscribe to our newsletter for the day's top business stories in your inbox every morning.",
            "Enter your email address",
            "Sign up",
            "About Us | Contact | Careers | Advertise | Help Centre",
            "\u00a9 2024 The Daily Ledger Media Group. All rights reserved.",
        ],
        "related": [
            "Stocks end mixed as investors weigh rate outlook",
            "Central bank signals patience on further tightening",
            "Oil prices edge higher on supply worries",
            "Retail sales beat forecasts in holiday quarter",
            "Dollar slips against the yen after jobs data",
        ],
    },
    {
        "name": "metro_herald",
        "header": [
            "Metro Herald",
            "Menu",
            "News Sport Business Entertainment Lifestyle Travel",
            "Search",
            "Log in / Register",
        ],
        "footer": [
            "Read more",
            "Related Articles",
            "Most Popular",
            "Do you have a story for us? Email newsdesk@metroherald.example",
            "Follow us on Facebook, X and Instagram",
            "Terms and Conditions Privacy Policy Cookie Policy Accessibility",
            "Copyright \u00a9 2024 Metro Herald Ltd. Registered in England and Wales No. 0123456.",
        ],
        "related": [
            "Council approves new housing plan after long debate",
            "Train strikes to go ahead next week, union says",
            "Local firm wins export award",
            "Weather warning issued for the weekend",
            "House prices fall for third month in a row",
        ],
    },
    {
        "name": "global_wire",
        "header": [
            "GLOBAL WIRE",
            "World",
            "Business",
            "Markets",
            "Sustainability",
            "Breakingviews",
            "My News",
        ],
        "footer": [
            "Our Standards: The Trust Principles.",
            "Acquire Licensing Rights",
            "Share this article",
            "Related Articles",
            "Reporting by staff; Editing by the desk",
            "Get the latest news and expert analysis about the state of the global economy with our daily newsletter.",
            "Sign up here.",
            "All quotes delayed a minimum of 15 minutes. See here for a complete list of exchanges and delays.",
            "\u00a9 2024 Global Wire. All rights reserved",
        ],
        "related": [
            "Asian shares steady as traders await inflation data",
            "Gold hovers near record as bond yields dip",
            "Emerging market currencies firm on risk appetite",
            "Grain futures slide on improved crop weather",
            "Euro zone factory activity contracts again",
        ],
    },
    {
        "name": "valley_times",
        "header": [
            "Valley Times",
            "Today's Paper",
            "Local | State | Nation | World | Business | Sports | Obituaries",
            "Subscribe Now",
            "Sign In",
            "Advertisement",
        ],
        "footer": [
            "Advertisement",
            "Related Articles",
            "Comments",
            "Join the conversation. You must be signed in to comment.",
            "Subscribe to our newsletter",
            "Get the Valley Times morning headlines delivered to your inbox.",
            "Contact Us | Submit a News Tip | Corrections | Site Map",
            "Copyright 2024 Valley Times Publishing Co. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.",
        ],
        "related": [
            "Farm incomes squeezed by lower crop prices",
            "School board weighs budget cuts",
            "Plant closure to cost hundreds of jobs",
            "Water district raises rates",
            "New bridge opens ahead of schedule",
        ],
    },
    {
        "name": "market_pulse",
        "header": [
            "MarketPulse",
            "Markets Economy Companies Tech Personal Finance Video",
            "Watchlist",
            "Sign in",
            "Subscribe",
            "Premium",
        ],
        "footer": [
            "Share this article",
            "Copy link",
            "Related Articles",
            "Subscribe to our newsletter: the MarketPulse Daily Briefing.",
            "By subscribing you agree to our Terms of Use and Privacy Policy.",
            "Data is a real-time snapshot. Data delayed at least 15 minutes.",
            "Market data provided by third parties. Legal Statement.",
            "\u00a9 2024 MarketPulse Inc. All Rights Reserved.",
        ],
        "related": [
            "Five things to watch in markets this week",
            "Why bond traders are betting on cuts",
            "Tech earnings: what to expect",
            "Commodities rally as supply tightens",
            "Analysts split on bank stocks",
        ],
    },
    {
        "name": "courier_online",
        "header": [
            "The Courier Online",
            "Home",
            "News",
            "Economy",
            "International",
            "Log in",
            "Cookies on this site: we use cookies to improve your experience. Accept all | Manage settings",
        ],
        "footer": [
            "Related Articles",
            "More from Economy",
            "Newsletter: Subscribe to our newsletter and never miss a story.",
            "Print this page",
            "Share: Email | Facebook | X | WhatsApp",
            "Back to top",
            "The Courier Online \u2013 part of Courier Group plc. \u00a9 2024 All rights reserved.",
        ],
        "related": [
            "Government sets out spending priorities",
            "Exporters warn over currency strength",
            "Unemployment rate unchanged in latest survey",
            "Talks on trade deal resume next month",
            "Manufacturers report rising orders",
        ],
    },
]


def wrap_chrome(text: str, chrome: dict, rng) -> str:
    """``text`` as scraped from a site: header lines, the article, footer lines.

    ``chrome`` is one of ``SITE_CHROMES``. The footer's "Related Articles" line is
    followed by three headlines drawn (with ``rng``) from the chrome's ``related`` pool,
    so two pages of one site share most, but not always all, of their chrome lines; use
    the same ``rng`` state to get identical chrome. Lines are separated like the article
    (``\\r\\n`` if the article uses it), with a blank line around the article.
    """
    rng = _rng(rng)
    nl = "\r\n" if "\r\n" in text else "\n"
    related = list(chrome.get("related", []))
    picks: list[str] = []
    if related:
        idx = rng.choice(len(related), size=min(3, len(related)), replace=False)
        picks = [related[i] for i in idx.tolist()]
    footer: list[str] = []
    for line in chrome["footer"]:
        footer.append(line)
        if line == "Related Articles":
            footer.extend(picks)
    return nl.join(chrome["header"]) + nl + nl + text + nl + nl + nl.join(footer)


# --------------------------------------------------------------------------- a site seen once

_SITE_WORDS = ("Morning Evening Daily Valley Harbour Capital Prairie Coastal Northern Lakeside".split(),
               "Courier Gazette Tribune Post Observer Chronicle Sentinel Dispatch Record Examiner".split())
_SITE_TOWNS = "Ashford Brookfield Carlton Dunmore Elmwood Fairview Glenrock Hillsdale Ironbridge Kingsport".split()
#: each line of a site's chrome in a few of the ways sites write it ({site}: its name)
_SITE_LINES = {
    "nav": ("Home | News | Business | Sport | Opinion | Weather", "News Politics Money Culture Travel Puzzles",
            "Local | National | World | Markets | Lifestyle | Obituaries", "Menu Search Edition: UK",
            "Top stories Latest Video Podcasts", "Front page > Economy > Companies"),
    "offer": ("Subscribe for $1 a week", "Register for free to read more articles and get personalised recommendations",
              "Support independent journalism: become a member today", "Unlimited digital access from 99 cents a month",
              "Already a subscriber? Log in to continue reading", "Get breaking news alerts on our free app"),
    "account": ("Sign in", "Log in", "My account", "Register"),
    "more": ("More from {site}", "Related Articles", "You may also like", "Most read", "Recommended for you"),
    "newsletter": ("Sign up for {site}'s morning briefing, sent every weekday at 6 a.m.",
                   "Want more stories like this? Join our free newsletter.",
                   "Get the day's headlines delivered to your inbox",
                   "Enter your email address to receive our weekly business digest",
                   "Follow {site} on Facebook, X and Instagram for updates"),
    "legal": ("Copyright {year} {site}. All rights reserved.", "\u00a9 {year} {site} Ltd",
              "Terms of use | Privacy policy | Cookie settings | Contact {site}",
              "{site} is published by {town} Media Group", "Reproduction without permission of {site} is prohibited"),
}


def site_chrome_once(text: str, rng) -> str:
    """``text`` on the page of a site that the corpus has no other page of: a header
    (the site's name, a menu, an offer, an account link) and a footer (a "more"
    heading, three headlines from :data:`SITE_CHROMES`' pools, a newsletter prompt, a
    legal line) around the article, each line one of a few phrasings drawn from
    ``rng``, the site's name in several. About 50-70 words of chrome.

    Such chrome is nobody's boilerplate: the site's other pages are not in the corpus.
    Two copies of a short story on two such sites share only part of each page, and
    their chrome shares a line now and then ("Sign in", a headline), as real sites do.
    """
    rng = _rng(rng)
    site, line = _site_seen_once(rng)
    related = [h for c in SITE_CHROMES for h in c.get("related", [])]
    headlines = [related[i] for i in rng.choice(len(related), size=3, replace=False).tolist()]
    header = [site, line("nav"), line("offer"), line("account")]
    footer = [line("more"), *headlines, line("newsletter"), line("legal")]
    return _on_page(text, header, footer)


def _site_seen_once(rng: np.random.Generator):
    """A site's name drawn from ``rng``, and a function giving one of the phrasings of a
    line of its chrome (``"nav"``, ``"more"``, ...) with the site's name, town and year."""
    pick = lambda seq: seq[int(rng.integers(len(seq)))]  # noqa: E731
    town = pick(_SITE_TOWNS)
    site = f"The {town} {pick(_SITE_WORDS[0])} {pick(_SITE_WORDS[1])}"
    year = int(rng.integers(2019, 2026))
    return site, lambda role: pick(_SITE_LINES[role]).format(site=site, town=town, year=year)


def _on_page(text: str, header: Sequence[str], footer: Sequence[str]) -> str:
    """``text`` between the lines of ``header`` and ``footer``, in its own line endings."""
    nl = "\r\n" if "\r\n" in text else "\n"
    return nl.join(header) + nl + nl + text + nl + nl + nl.join(footer)


HEADLINES_PATH = SAMPLE_PATH.parent / "reuters_headlines.txt"


def load_headlines(path: str | Path = HEADLINES_PATH) -> list[str]:
    """Real headlines of Reuters-21578 stories that are not in the sample (one a line;
    made by ``benchmarks/make_samples.py``)."""
    return [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def site_chrome_heavy(text: str, rng, headlines: Sequence[str] | None = None) -> str:
    """``text`` on the page of a site seen once with heavy chrome, as news sites have: a
    header of the site's name, a menu, an account link and a "most read" list, and a
    footer of "more", "latest" and "editor's picks" lists and a legal line; each list
    five headlines drawn from ``headlines`` (default: :func:`load_headlines`, real ones
    that no article of the sample has), 20 in all. About 160 words of chrome: around a
    story of 150 words, the story is less than half of the page.

    Like :func:`site_chrome_once`, such chrome is nobody's boilerplate; two pages of a
    pair share a headline now and then."""
    rng = _rng(rng)
    pool = load_headlines() if headlines is None else list(headlines)
    site, line = _site_seen_once(rng)
    chosen = [pool[i] for i in rng.choice(len(pool), size=20, replace=False).tolist()]
    header = [site, line("nav"), line("account"), f"Most read on {site}", *chosen[:5]]
    footer = [line("more"), *chosen[5:10], "Latest news", *chosen[10:15], "Editor's picks", *chosen[15:],
              line("legal")]
    return _on_page(text, header, footer)


# --------------------------------------------------------------------------- truncation

def truncate(text: str, fraction: float) -> str:
    """The first ``fraction`` of the words of ``text`` (at least one), cut after a word.

    The kept part is a prefix of ``text`` with its line structure unchanged; the
    result's words are the first ``round(fraction * n)`` words of ``text``.
    """
    spans = [m.end() for m in _TOKEN_RE.finditer(text)]
    if not spans or fraction >= 1:
        return text
    k = min(len(spans), max(1, int(round(fraction * len(spans)))))
    return text[:spans[k - 1]]


# --------------------------------------------------------------------------- hard wrapping

def hard_wrap(text: str, width: int) -> str:
    """``text`` as a plain-text feed or e-mail sends it: each paragraph (non-blank line)
    filled to lines of at most ``width`` characters, paragraphs apart by a blank line.

    The words and their order are unchanged; only the line breaks move, so no line of
    the copy need be a line of the original (every paragraph of a few lines differs).
    """
    nl = "\r\n" if "\r\n" in text else "\n"
    paragraphs = [line.strip() for line in text.split(nl) if line.strip()]
    return (nl + nl).join(nl.join(textwrap.wrap(p, width, break_long_words=False, break_on_hyphens=False))
                          for p in paragraphs)


# --------------------------------------------------------------------------- feeds

#: how feeds write an apostrophe when they escape their text
APOSTROPHES = ("&#39;", "&#x27;", "&rsquo;", "&#8217;")


def escape_html(text: str, rng) -> str:
    """``text`` as a feed that escapes it and a reader that does not unescape it: ``&``,
    ``<``, ``>`` and ``"`` as ``&amp;``, ``&lt;``, ``&gt;`` and ``&quot;`` (``html.escape``),
    and apostrophes as one of :data:`APOSTROPHES` (one per feed, drawn from ``rng``).
    Words such as "company's" become "company&#39;s": read without decoding, that is a
    word "39" more, and "&lt;AMERICAN EXPRESS CO&gt;" has words "lt" and "gt".
    """
    apostrophe = APOSTROPHES[int(_rng(rng).integers(len(APOSTROPHES)))]
    return html.escape(text, quote=False).replace('"', "&quot;").replace("'", apostrophe)


def feed_teaser(text: str, rng) -> str:
    """A feed's summary of ``text``: its first whole paragraphs (non-blank lines), as
    many as make a third of its words, escaped by :func:`escape_html`. (A cut inside a
    paragraph is the kind ``truncated_35``.)"""
    nl = "\r\n" if "\r\n" in text else "\n"
    return escape_html((nl + nl).join(_first_third(text.split(nl))), rng)


def _first_third(lines: Sequence[str]) -> list[str]:
    """The first non-blank ``lines`` (paragraphs), as many as make a third of their words."""
    paragraphs = [line for line in lines if line.strip()]
    total, kept = sum(len(p.split()) for p in paragraphs), []
    for paragraph in paragraphs:
        kept.append(paragraph)
        if 3 * sum(len(p.split()) for p in kept) >= total:
            break
    return kept


_AGGREGATOR_HEAD = ("{section} | {source} | {hours} hours ago", "{source} via {aggregator}", "Top stories | {section}")
_AGGREGATOR_FOOT = ("Read the full story at {source}", "Continue reading on {source}", "Full coverage at {aggregator}",
                    "Share this story on Facebook and X", "More {section} news from {aggregator}")


def aggregator_teaser(text: str, rng) -> str:
    """An aggregator's teaser of ``text``: its first whole paragraphs, as many as make a
    third of its words, under a line naming the section and source and over one or two
    lines such as "Read the full story at ..." (each one of a few phrasings drawn from
    ``rng``; the article itself is not changed)."""
    rng = _rng(rng)
    pick = lambda seq: seq[int(rng.integers(len(seq)))]  # noqa: E731
    nl = "\r\n" if "\r\n" in text else "\n"
    kept = _first_third(text.split(nl))
    names = {"section": pick(("Business", "World", "Markets", "Economy")), "hours": int(rng.integers(1, 12)),
             "source": pick(("reuters.com", "Reuters", "The Wire Service")),
             "aggregator": pick(("NewsNow", "Daily Digest", "Headline Hub"))}
    foot = [pick(_AGGREGATOR_FOOT) for _ in range(int(rng.integers(1, 3)))]
    lines = [pick(_AGGREGATOR_HEAD).format(**names), *kept, *(f.format(**names) for f in dict.fromkeys(foot))]
    return (nl + nl).join(lines)


# --------------------------------------------------------------------------- scraper bug

def repeat_paragraph(text: str, rng) -> str:
    """A scraper bug: one paragraph, or the title and the lead, emitted twice.

    Paragraphs are non-blank lines; the first is the title and a final "Reuter" sign-off
    is never picked. Three times in four a random body paragraph is repeated right after
    itself; otherwise the title and the first body paragraph are emitted once more at the
    top (a teaser block before the full article). Every other line is kept in order.
    """
    rng = _rng(rng)
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(nl)
    blocks = [i for i, line in enumerate(lines) if line.strip()]
    if not blocks:
        return text
    body = blocks[1:]
    if body and lines[body[-1]].strip().lower() == "reuter" and len(body) > 1:
        body = body[:-1]
    if not body:
        return lines[blocks[0]] + nl + nl + text
    if rng.random() < 0.75:
        i = body[int(rng.integers(len(body)))]
        return nl.join(lines[:i + 1] + [""] + [lines[i]] + lines[i + 1:])
    title, lead = lines[blocks[0]], lines[body[0]]
    return title + nl + nl + lead + nl + nl + text


# --------------------------------------------------------------------------- the corpus

SINGLE_KINDS = ("exact", "typographic", "edit_1pct", "edit_3pct", "chrome",
                "truncated_70", "truncated_35", "repeated_paragraph", "combined")
#: perturbations that ``four_copies`` mixes
FOUR_COPY_VARIANTS = ("exact", "typographic", "edit_1pct", "edit_3pct", "chrome",
                      "truncated_70", "repeated_paragraph")

_STOP = set("""a about after again against all also an and any are as at be because been
before being between both but by can could did do does during each few for from further
had has have he her here him his how i if in into is it its itself last may more most
mln new no nor not of off on once only or other our out over own pct per said same say
says she should so some such than that the their them then there these they this those
through to too under until up very was we were what when where which while who whom why
will with would year years you reuter dlrs billion""".split())


def _apply(variant: str, text: str, rng: np.random.Generator, vocab: Sequence[str]) -> str:
    if variant == "exact":
        return text
    if variant == "typographic":
        return perturb_typographic(text, rng)
    if variant == "edit_1pct":
        return perturb_words(text, 0.01, rng, vocab)
    if variant == "edit_3pct":
        return perturb_words(text, 0.03, rng, vocab)
    if variant == "chrome":
        return wrap_chrome(text, SITE_CHROMES[int(rng.integers(len(SITE_CHROMES)))], rng)
    if variant == "truncated_70":
        return truncate(text, 0.70)
    if variant == "truncated_35":
        return truncate(text, 0.35)
    if variant == "repeated_paragraph":
        return repeat_paragraph(text, rng)
    if variant == "combined":  # re-published elsewhere: light edit, site typography, chrome
        t = perturb_words(text, 0.01, rng, vocab)
        t = perturb_typographic(t, rng)
        return wrap_chrome(t, SITE_CHROMES[int(rng.integers(len(SITE_CHROMES)))], rng)
    raise ValueError(f"unknown variant {variant!r}")


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD_RE.findall(text.lower())
            if len(w) > 3 and not w.isdigit() and w not in _STOP}


def _same_topic_pairs(ids: list[str], texts: list[str], n_pairs: int) -> list[tuple[int, int]]:
    """Greedy disjoint pairs of the most similar articles by content-word Jaccard."""
    sets = [_content_words(t) for t in texts]
    scored = []
    for i, j in itertools.combinations(range(len(texts)), 2):
        union = len(sets[i] | sets[j])
        if union:
            scored.append((len(sets[i] & sets[j]) / union, ids[i], ids[j], i, j))
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    used: set[int] = set()
    out = []
    for _, _, _, i, j in scored:
        if i in used or j in used:
            continue
        used |= {i, j}
        out.append((i, j))
        if len(out) == n_pairs:
            break
    return out


def labelled_corpus(articles: pd.DataFrame | None = None, seed: int = 0) -> pd.DataFrame:
    """A labelled near-duplicate corpus built from real ``articles`` (columns ``id, text``).

    Default input: ``load_sample()``. Returns a DataFrame with columns

    ``id``       unique; a copy's id is ``<source id>~<what it is>``, e.g.
                 ``reuters-123~edit_3pct``, ``reuters-123~copy2_chrome``;
    ``text``     the document;
    ``story``    ground-truth cluster: same story <=> duplicates;
    ``kind``     how it was made (below);
    ``variant``  the perturbation applied (``none`` for untouched real text);
    ``source``   the id of the real article it was made from.

    Kinds. The base articles (rows without a ``template`` and whose ``family``, if the
    column exists, has one member) are shuffled with ``seed`` and split into disjoint
    subsets:

    * ``original`` + one copy of kind ``exact``, ``typographic``, ``edit_1pct``,
      ``edit_3pct``, ``chrome``, ``truncated_70``, ``truncated_35``,
      ``repeated_paragraph`` or ``combined`` (1 % edit + typography + chrome): ~5 % of the
      base articles per kind;
    * ``original`` + ``four_copies``: four copies of four different perturbations (~5 %);
    * ``same_topic_distinct``: pairs of different real articles with the most content
      words in common (negatives, each its own story; ~10 %);
    * ``chrome_only_shared``: unrelated articles each wrapped in the *same* site chrome,
      identical header and footer lines (negatives, each its own story; ~5 %);
    * ``original`` + ``hard_wrapped``: a copy whose paragraphs are filled to lines of 56
      to 79 characters (:func:`hard_wrap`), sharing no line with its original (~5 %);
    * ``original`` + ``feed_teaser``: the first third of the article with its HTML
      escaped (:func:`feed_teaser`), as a feed's summary is scraped (~5 %);
    * ``original`` + ``aggregator_teaser``: the first third of the article between an
      aggregator's lines ("Business | Reuters | 2 hours ago", "Read the full story at
      ...", :func:`aggregator_teaser`) (~5 %);
    * ``two_sites``: an article and its copy, each on the page of a site seen once
      (:func:`site_chrome_once`: chrome that no other page shares, so it is never
      boilerplate); the article's row is kind ``original`` (~5 %);
    * ``two_sites_heavy``: the same with heavy chrome (:func:`site_chrome_heavy`: four
      lists of five real headlines), about as long as the article (~5 %);
    * ``distinct``: the rest, untouched (negatives).

    Real rows of the input keep their real labels: ``template`` rows (templated reports,
    different news) are kind ``template``, each its own story; members of a real
    multi-article ``family`` are kind ``real_<their kind>`` (``real_exact``,
    ``real_reissue``, ``real_earnings_resend``) with ``story`` = family.

    Word edits draw from the words of the input articles. Rows come out in a seeded
    random order. Deterministic for ``(articles, seed)``.
    """
    if articles is None:
        articles = load_sample()
    rng = np.random.default_rng(seed)
    vocab = article_vocab(articles["text"].tolist())
    rows: list[dict] = []

    def emit(id_, text, story, kind, variant, source):
        rows.append({"id": id_, "text": text, "story": story, "kind": kind,
                     "variant": variant, "source": source})

    is_template = (articles["template"].notna() if "template" in articles
                   else pd.Series(False, index=articles.index))
    if "family" in articles:
        fam_size = articles.groupby("family")["id"].transform("size")
        is_real_group = (fam_size > 1) & ~is_template
    else:
        is_real_group = pd.Series(False, index=articles.index)

    for _, r in articles[is_template].iterrows():
        emit(r["id"], r["text"], r["id"], "template", "none", r["id"])
    for _, r in articles[is_real_group].iterrows():
        kind = r["kind"] if "kind" in articles and isinstance(r.get("kind"), str) else "duplicate"
        emit(r["id"], r["text"], r["family"], f"real_{kind}", "none", r["id"])

    base = articles[~is_template & ~is_real_group][["id", "text"]]
    n = len(base)
    if n < 24:
        raise ValueError(f"labelled_corpus needs at least 24 base articles, got {n}")
    order = rng.permutation(n)
    ids = base["id"].to_numpy()[order].tolist()
    texts = base["text"].to_numpy()[order].tolist()

    per_kind = max(1, n // 20)
    n_topic_pairs = max(1, n // 20)

    # same-topic negatives come from the last third of the shuffled pool
    pool_start = n - max(2 * n_topic_pairs, n // 3)
    topic = _same_topic_pairs(ids[pool_start:], texts[pool_start:], n_topic_pairs)
    topic_idx = {pool_start + i for pair in topic for i in pair}
    rest = [k for k in range(n) if k not in topic_idx]

    cursor = 0

    def take(m: int) -> list[int]:
        nonlocal cursor
        got = rest[cursor:cursor + m]
        cursor += m
        return got

    for kind in SINGLE_KINDS:
        for k in take(per_kind):
            emit(ids[k], texts[k], ids[k], "original", "none", ids[k])
            emit(f"{ids[k]}~{kind}", _apply(kind, texts[k], rng, vocab), ids[k], kind, kind, ids[k])
    for k in take(per_kind):
        emit(ids[k], texts[k], ids[k], "original", "none", ids[k])
        variants = rng.choice(len(FOUR_COPY_VARIANTS), size=4, replace=False)
        for c, v in enumerate(variants.tolist(), start=1):
            variant = FOUR_COPY_VARIANTS[v]
            emit(f"{ids[k]}~copy{c}_{variant}", _apply(variant, texts[k], rng, vocab),
                 ids[k], "four_copies", variant, ids[k])
    chrome = SITE_CHROMES[int(rng.integers(len(SITE_CHROMES)))]
    chrome_seed = int(rng.integers(2**31))
    for k in take(per_kind):
        emit(f"{ids[k]}~chrome_only_shared",
             wrap_chrome(texts[k], chrome, np.random.default_rng(chrome_seed)),
             ids[k], "chrome_only_shared", "chrome", ids[k])
    # last, so that the allocations above do not move with them
    for k in take(per_kind):
        emit(ids[k], texts[k], ids[k], "original", "none", ids[k])
        width = int(rng.integers(56, 80))
        emit(f"{ids[k]}~hard_wrapped", hard_wrap(texts[k], width), ids[k], "hard_wrapped", f"wrap_{width}", ids[k])
    for k in take(per_kind):
        emit(ids[k], texts[k], ids[k], "original", "none", ids[k])
        emit(f"{ids[k]}~feed_teaser", feed_teaser(texts[k], rng), ids[k], "feed_teaser", "feed_teaser", ids[k])
    for k in take(per_kind):
        emit(ids[k], texts[k], ids[k], "original", "none", ids[k])
        emit(f"{ids[k]}~aggregator_teaser", aggregator_teaser(texts[k], rng), ids[k], "aggregator_teaser",
             "aggregator_teaser", ids[k])
    for k in take(per_kind):
        emit(ids[k], site_chrome_once(texts[k], rng), ids[k], "original", "site_once", ids[k])
        emit(f"{ids[k]}~two_sites", site_chrome_once(texts[k], rng), ids[k], "two_sites", "site_once", ids[k])
    for k in take(per_kind):
        emit(ids[k], site_chrome_heavy(texts[k], rng), ids[k], "original", "site_heavy", ids[k])
        emit(f"{ids[k]}~two_sites_heavy", site_chrome_heavy(texts[k], rng), ids[k], "two_sites_heavy", "site_heavy",
             ids[k])
    for k in sorted(topic_idx):
        emit(ids[k], texts[k], ids[k], "same_topic_distinct", "none", ids[k])
    for k in rest[cursor:]:
        emit(ids[k], texts[k], ids[k], "distinct", "none", ids[k])

    out = pd.DataFrame(rows, columns=["id", "text", "story", "kind", "variant", "source"])
    if not out["id"].is_unique:
        dup = out["id"][out["id"].duplicated()].tolist()[:5]
        raise ValueError(f"input ids are not unique: {dup}")
    out = out.iloc[rng.permutation(len(out))].reset_index(drop=True)
    return out


def pairs(df: pd.DataFrame) -> set[tuple[str, str]]:
    """Every ground-truth duplicate pair ``(id_a, id_b)``, ``id_a < id_b``, implied by ``story``."""
    out: set[tuple[str, str]] = set()
    for _, ids in df.groupby("story")["id"]:
        if len(ids) > 1:
            out.update(itertools.combinations(sorted(ids), 2))
    return out
