"""Text folding for the full-text index, so that Korean fragments are found.

SQLite's FTS5 `unicode61` tokenizer keeps a run of Hangul as one token, so 결제 would never
match 결제했는데, and its trigram tokenizer cannot match a two-character query. We therefore
index each run of CJK characters as its overlapping bigrams (결제했는데 -> 결제 제했 했는 는데)
and search a Korean word as the phrase of its bigrams. Other scripts are left to unicode61,
which folds case and diacritics, and are searched as word prefixes (invoice finds invoices).
"""

from __future__ import annotations

import re
import unicodedata

# Hangul syllables and compatibility jamo, CJK ideographs, hiragana and katakana.
_CJK = "\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff"
CJK_RUN = re.compile(f"[{_CJK}]+")
WORD = re.compile(r"[^\W_]+")  # what unicode61 calls a token: letters and digits


def _bigrams(run: str) -> str:
    if len(run) == 1:
        return f" {run} "
    return " " + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + " "


def fold(text: str | None) -> str:
    """The text as the index sees it: NFKC, CJK runs as bigrams, the rest unchanged."""
    if not text:
        return ""
    return CJK_RUN.sub(lambda m: _bigrams(m.group()), unicodedata.normalize("NFKC", text))


def query_words(text: str) -> list[tuple[list[str], bool]]:
    """Each word of a query as the tokens the index holds for it, and whether its last
    token is matched as a prefix (words are; a Korean bigram is matched whole)."""
    words = []
    for word in unicodedata.normalize("NFKC", text).split():
        tokens = WORD.findall(fold(word))
        if tokens:
            last = tokens[-1]
            words.append((tokens, not CJK_RUN.fullmatch(last) or len(last) == 1))
    return words


def fts5(tokens: list[str], prefix: bool) -> str:
    """One query word as an FTS5 phrase (`"결제 제했"`, `"invoice"*`)."""
    return '"' + " ".join(tokens) + '"' + ("*" if prefix else "")
