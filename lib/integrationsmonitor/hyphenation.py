"""German hyphenation for the printed tables: soft hyphens only where a word may break.

WeasyPrint hyphenates ``hyphens: auto`` text with pyphen, whose German patterns
(``hyph_de_DE.dic``) are a list of compounds made for libhyphen's two-level COMPOUND mode.
Pyphen reads them as one level, so words not in the list break inside a letter group that
German never splits: "Forts-chritt", "Fortschritts-ma-ß" (DIN 5008 / Duden rule: "sch", "ch"
and "ck" stay together). The printed tables therefore use ``hyphens: manual`` and get soft
hyphens from here: pyphen's break points, without those that split such a group. A word breaks
correctly or not at all.
"""

from __future__ import annotations

import re
from functools import lru_cache

SOFT_HYPHEN = "\u00ad"
# Letter groups that stand for one sound and never break (Duden, Worttrennung §§ 107–112).
UNSPLITTABLE = ("sch", "ch", "ck")
MIN_WORD = 8  # shorter words are never hyphenated (as WeasyPrint's limit of five, but safer)
MIN_LEFT, MIN_RIGHT = 3, 3
WORD = re.compile(rf"[A-Za-zÄÖÜäöüß]{{{MIN_WORD},}}")


@lru_cache(maxsize=1)
def _pyphen():
    import pyphen

    return pyphen.Pyphen(lang="de_DE", left=MIN_LEFT, right=MIN_RIGHT)


def breaks(word: str) -> list[int]:
    """Where a German word may break: pyphen's positions, without those inside "sch", "ch"
    or "ck".

    >>> breaks("Fortschritt")
    [4]
    >>> breaks("Umsetzungsquote")
    [5, 10]
    """
    lower = word.lower()

    def splits_a_group(i: int) -> bool:
        # the break before letter i falls inside a group that starts at s < i < s + len(g)
        return any(lower[s:s + len(g)] == g for g in UNSPLITTABLE
                   for s in range(max(0, i - len(g) + 1), i))

    return [i for i in _pyphen().positions(word) if not splits_a_group(i)]


def hyphenate_word(word: str) -> str:
    """The word with a soft hyphen at every allowed break.

    >>> hyphenate_word("Fortschritt").replace(SOFT_HYPHEN, "-")
    'Fort-schritt'
    """
    cuts = breaks(word)
    return "".join(SOFT_HYPHEN + c if i in cuts else c for i, c in enumerate(word))


_TAG_OR_TEXT = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)""")


def table_cells_hyphenated(html: str) -> str:
    """Soft hyphens in the long words of every table cell (``<td>``); tags, headers and all
    text outside the cells stay as they are."""
    parts = _TAG_OR_TEXT.split(html)
    depth = 0
    for i, part in enumerate(parts):
        if i % 2:
            m = re.match(r"<(/?)td\b", part, re.I)
            if m:
                depth = max(0, depth + (-1 if m.group(1) else 1))
        elif depth and part:
            parts[i] = WORD.sub(lambda w: hyphenate_word(w.group(0)), part)
    return "".join(parts)
