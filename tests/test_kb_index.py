"""The help center's index in the history ranks exactly as the in-memory one did, stays
current with the bundled articles and chat.kb_dir, and rebuilds its terms when the
analyzer changes."""

from __future__ import annotations

import csv
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from supportcli.chat.articles import load
from supportcli.chat.helpcenter import folders, index
from supportcli.chat.retrieval import Index, terms
from supportcli.store import kb as store
from supportcli.store.db import connect

QUESTIONS = Path(__file__).parent / "data" / "kb_questions.tsv"
MORE = [
    "환불",
    "결제가 두 번 됐어요",
    "비밀번호",
    "password reset 메일이 안 와요",
    "refund 받을 수 있나요",
    "charged twice",
    "app crashes",
    "2단계 인증",
    "계정 삭제",
    "알림이 안 와요",
    "영수증 발급",
    "language settings",
    "sync devices",
    "export my data",
    "zzzqqq",
    "로그인",
    "the",
]


def _queries() -> list[str]:
    with QUESTIONS.open(encoding="utf-8") as handle:
        asked = [row["question"] for row in csv.DictReader(handle, delimiter="\t")]
    return asked[:30] + MORE


def _same(stored, memory) -> None:
    """The same articles in the same order, with the same scores (the engine sums a few
    floating-point terms in its own order: equal to the last bits)."""
    assert [h.article.slug for h in stored] == [h.article.slug for h in memory]
    for mine, theirs in zip(stored, memory, strict=True):
        assert mine.score == pytest.approx(theirs.score, rel=1e-12)
        assert mine.coverage == pytest.approx(theirs.coverage, rel=1e-12)
    for mine, theirs in zip(stored[:3], memory[:3], strict=False):
        assert mine.article == theirs.article  # the text read on demand is the article's


def test_stored_index_ranks_exactly_as_the_memory_index(engine):
    memory = Index(load()[0])
    stored, problems = folders.open_index(None)
    assert problems == []
    assert stored.n == len(memory.articles)
    for query in _queries():
        question = Counter(terms(query))
        _same(stored.search(query), memory.search(query))
        for language in ("ko", "en"):
            _same(stored.search(query, language=language), memory.search(query, language=language))
        _same(
            stored.rank(question, language="ko", topic="payment"),
            memory.rank(question, language="ko", topic="payment"),
        )
    weighted = Counter({"환불": 1.0, "결제": 0.4, "password": 0.4})
    _same(stored.rank(weighted), memory.rank(weighted))
    for term in ("환불", "결제", "password", "zzzqqq"):
        assert stored.weight(term) == memory.weight(term)


def test_a_second_start_reads_no_article_file(monkeypatch):
    folders.open_index(None)

    def no_reading(*_args, **_kwargs):
        raise AssertionError("an article file was read again")

    monkeypatch.setattr(folders, "parse", no_reading)
    agent_index, _ = folders.open_index(None)
    assert agent_index.search("환불")[0].article.slug == "payment-refund-ko"


def test_kb_dir_changes_are_imported_and_removed_files_disappear(engine, tmp_path):
    from supportcli.config import Settings

    folder = tmp_path / "kb"
    folder.mkdir()
    page = folder / "gift-ko.md"
    page.write_text(_article("기프트카드 등록하기", "기프트카드"), encoding="utf-8")
    settings = Settings({"chat.kb_dir": str(folder)}, tmp_path / "config.toml")
    found, _ = folders.open_index(settings)
    assert found.search("기프트카드")[0].article.title == "기프트카드 등록하기"
    page.write_text(_article("상품권 등록하기", "상품권"), encoding="utf-8")
    found, _ = folders.open_index(settings)
    assert found.search("상품권")[0].article.title == "상품권 등록하기"
    assert "gift-ko" not in [h.article.slug for h in found.search("기프트카드")]
    page.unlink()
    found, _ = folders.open_index(settings)
    assert "gift-ko" not in [h.article.slug for h in found.search("상품권")]
    found, _ = folders.open_index(Settings({}, tmp_path / "config.toml"))  # setting unset
    assert not [s for s in store.sources(connect()) if s.origin == "setting"]


def test_a_changed_analyzer_rebuilds_every_articles_terms(monkeypatch):
    folders.open_index(None)
    db = connect()
    db.execute("UPDATE kb_term SET term = 'stale' WHERE term = '환불'")
    monkeypatch.setattr(folders, "analyzer_version", lambda: "next-version")
    monkeypatch.setattr(index, "analyzer_version", lambda: "next-version")
    found, _ = folders.open_index(None)
    assert store.state(db)["analyzer"] == "next-version"
    assert found.search("환불")[0].article.slug == "payment-refund-ko"
    assert db.execute("SELECT count(*) FROM kb_term WHERE term = 'stale'").fetchone()[0] == 0
    articles, length = store.totals(db)
    assert (articles, length) == db.execute(
        "SELECT count(*), sum(length) FROM kb_article"
    ).fetchone()


def test_the_analyzer_version_covers_the_term_code():
    assert set(index.ANALYZER_MODULES) == index.retrieval_imports()
    assert {"supportcli.chat.retrieval", "supportcli.store.search"} <= set(index.ANALYZER_MODULES)


def _article(title: str, word: str) -> str:
    return textwrap.dedent(f"""\
        ---
        title: {title}
        topic: usage
        language: ko
        link: https://help.example.com/ko/articles/gift
        keywords: {word}
        ---
        {word}는 설정에서 16자리 번호를 입력해 등록합니다.
        """)
