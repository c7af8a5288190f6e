"""German hyphenation for the PDFs: words break correctly or not at all ("Fort-schritt", never
"Forts-chritt").

WeasyPrint hyphenates ``hyphens: auto`` text with pyphen, whose German patterns
(``hyph_de_DE.dic``, also used for ``lang="de"``) are a list of compounds made for
libhyphen's two-level COMPOUND mode. Pyphen reads them as one level, so words not in the list
break inside a letter group that German never splits: "Forts-chritt", "Fortschritts-ma-ß".
The rule (Duden, Worttrennung): "sch", "ch" and "ck" stand for one sound and stay together.
The same patterns also split the onsets "spr" and "str" at a compound's joint
("Berufss-prachkurs" for "Berufs-sprach-kurs"); a break inside those is dropped too (which also
forgoes the rare correct one, "Indus-trie": a word breaks correctly or not at all).

:func:`install` puts a German dictionary into pyphen's dictionary cache that drops exactly
those break points; WeasyPrint then uses it like the original. (Soft hyphens in the HTML
would do the same for the text, but WeasyPrint 70 then sizes table columns as if the words
could not break, and the tables grow wider than the page.)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# Letter groups that stand for one sound, and onsets that the patterns split at a joint.
UNSPLITTABLE = ("sch", "ch", "ck", "spr", "str")


def splits_a_group(word: str, i: int) -> bool:
    """Whether a break before letter ``i`` falls inside one of :data:`UNSPLITTABLE`.

    >>> splits_a_group("Fortschritt", 5), splits_a_group("Fortschritt", 4)
    (True, False)
    >>> splits_a_group("Berufssprachkurs", 7), splits_a_group("Berufssprachkurs", 6)
    (True, False)
    """
    lower = word.lower()
    return any(lower[s:s + len(g)] == g for g in UNSPLITTABLE
               for s in range(max(0, i - len(g) + 1), i))


@lru_cache(maxsize=1)
def _german_dictionary_class():
    import pyphen

    class GermanHyphDict(pyphen.HyphDict):
        """Pyphen's German patterns without the break points inside UNSPLITTABLE."""

        def positions(self, word):
            return [i for i in super().positions(word) if not splits_a_group(word, i)]

    return GermanHyphDict


def install() -> None:
    """Make every German pyphen dictionary (de, de_DE, de_AT, de_CH) the corrected one, in
    this process; WeasyPrint asks pyphen for it by the document language. Idempotent.

    A dictionary is read only when it is first asked for: reading one takes about 0,4 s, and a
    report needs one of the three files."""
    import pyphen

    if not isinstance(pyphen.hdcache, _GermanCache):
        pyphen.hdcache = _GermanCache(pyphen.hdcache)


class _GermanCache(dict):
    """Pyphen's dictionary cache (file path → dictionary) that answers for the German files
    with the corrected dictionary, read on first use. Pyphen asks ``path in hdcache`` and then
    ``hdcache[path]``; a German dictionary it had already read is replaced."""

    def __init__(self, cached: dict):
        import pyphen

        self.german = {Path(path) for name, path in pyphen.LANGUAGES.items()
                       if name.split("_")[0] == "de"}
        cls = _german_dictionary_class()
        super().__init__({path: hd for path, hd in cached.items()
                          if Path(path) not in self.german or isinstance(hd, cls)})

    def __contains__(self, path) -> bool:
        return Path(path) in self.german or super().__contains__(path)

    def __missing__(self, path):
        if Path(path) not in self.german:
            raise KeyError(path)
        hd = self[path] = _german_dictionary_class()(path)
        return hd


def breaks(word: str, lang: str = "de_DE") -> list[int]:
    """Where a German word may break in the PDFs (after :func:`install`).

    >>> breaks("Fortschritt")
    [4]
    >>> breaks("Umsetzungsquote")
    [5, 10]
    """
    import pyphen

    install()
    return pyphen.Pyphen(lang=lang, left=3, right=3).positions(word)
