"""Text folding for the full-text index, so that Korean fragments are found.

SQLite's FTS5 `unicode61` tokenizer keeps a run of Hangul as one token, so 결제 would never
match 결제했는데, and its trigram tokenizer cannot match a two-character query. We therefore
index each run of CJK characters as its overlapping bigrams (결제했는데 -> 결제 제했 했는 는데)
and search a Korean word as the phrase of its bigrams. Other scripts are left to unicode61,
which folds case and diacritics, and are searched as word prefixes (invoice finds invoices).

Two indexes hold the folded text. `search_fts` has a row per subject and message (its
phrases are exact); `search_inquiry` has one row per inquiry holding the distinct pieces
of all its text (`terms`), so that the engine itself intersects the words of a query at
the inquiry level, the rarest word bounding the work (issue 21). A word of one token is
answered by `search_inquiry` alone; a word of several (a Korean word of three syllables
or more, `e-mail`) is found there as all of its tokens, then confirmed as a phrase in one
message of the inquiry through `search_fts`. On SQLite an inquiry's row is rewritten when
the command that wrote to it ends (see migrations.m010); the inquiries still waiting
(`search_pending`) are checked through `search_fts`.
"""

from __future__ import annotations

import re
import unicodedata

# Hangul syllables and compatibility jamo, CJK ideographs, hiragana and katakana.
_CJK = "\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff"
CJK_RUN = re.compile(f"[{_CJK}]+")
CJK_OR_NOT = re.compile(f"[{_CJK}]+|[^{_CJK}]+")  # a token cut into CJK runs and the rest
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


def terms(*texts: str | None) -> str:
    """The distinct whitespace-separated pieces of the texts' folded form, in order of
    first appearance. Whole pieces, not tokens: the index tokenizes a piece exactly as it
    tokenized it within the text, so no rule of the tokenizer is copied here."""
    return " ".join(dict.fromkeys(piece for text in texts for piece in fold(text).split()))


Term = tuple[list[str], bool]  # one spelling of a query word: its tokens, prefix or not


def query_words(text: str) -> list[list[Term]]:
    """Each word of a query as the spellings it stands for (결재 -> 결재, 결제: see
    korean.variants), each as the tokens the index holds for it and whether its last
    token is matched as a prefix (words are; a Korean bigram is matched whole). A word
    is found when any of its spellings is."""
    # Imported here: only a search needs the table, and `support list` stays fast.
    from supportcli.korean import variants

    words = []
    for word in unicodedata.normalize("NFKC", text).split():
        spellings = []
        for variant in variants(word):
            tokens = WORD.findall(fold(variant))
            if tokens and (tokens, _prefix(tokens)) not in spellings:
                spellings.append((tokens, _prefix(tokens)))
        if spellings:
            words.append(spellings)
    return words


def _prefix(tokens: list[str]) -> bool:
    last = tokens[-1]
    return not CJK_RUN.fullmatch(last) or len(last) == 1


def fts5(tokens: list[str], prefix: bool) -> str:
    """One query word as an FTS5 phrase (`"결제 제했"`, `"invoice"*`)."""
    return '"' + " ".join(tokens) + '"' + ("*" if prefix else "")


def fts5_any(spellings: list[Term]) -> str:
    """One query word as a phrase of any of its spellings, for `search_fts`."""
    return " OR ".join(fts5(tokens, prefix) for tokens, prefix in spellings)


def fts5_word(spellings: list[Term]) -> str:
    """One query word for the inquiry index: all the tokens of any of its spellings."""
    return " OR ".join(f"({fts5_all(tokens, prefix)})" for tokens, prefix in spellings)


def fts5_all(tokens: list[str], prefix: bool) -> str:
    """One query word as each of its tokens (`"결제" AND "제했"`, `"invoice"*`): what the
    inquiry index can answer, having no positions."""
    parts = [f'"{token}"' for token in tokens]
    if prefix:
        parts[-1] += "*"
    return " AND ".join(parts)
