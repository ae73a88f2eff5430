"""Importing real help centers (issue 18) from a local server shaped like real ones:
a Zendesk Guide Help Center API and a themed site with robots.txt and a sitemap; the
real commands, run in-process; incremental syncs counted in requests; the chat answering
from imported articles with their own links."""

from __future__ import annotations

import json
import socket

import pytest
from helpcenter import HelpCenter, Page, zendesk_article

from supportcli.chat.agent import Turn
from supportcli.chat.kb import KbAgent
from supportcli.cli.root import run
from supportcli.config import Settings
from supportcli.store.db import connect

REFUND_KO = """<p>반품은 상품을 받은 날로부터 14일 안에 신청할 수 있습니다.
<a href="/hc/ko/articles/900">반품 규정</a>을 먼저 확인해 주세요.</p>
<h2>반품 택배 보내기</h2>
<ol><li><strong>주문 내역</strong>에서 반품할 주문을 고릅니다.</li>
<li>반품 택배 접수를 누르면 기사님이 방문합니다.</li></ol>
<h2>환불 시점</h2><ul><li>카드: 3~7영업일</li><li>계좌이체: 1~2영업일</li></ul>"""
PASSWORD_KO = """<p>로그인 화면에서 <b>비밀번호 찾기</b>를 누르고 가입한 이메일을 입력하세요.
재설정 메일의 링크는 30분 동안 유효합니다.</p><h2>메일이 오지 않을 때</h2>
<p>스팸함을 확인하고, 회사 메일은 보안 필터를 확인해 주세요.</p>"""
REFUND_EN = """<p>You can return an item within 14 days of delivery. Open <em>Orders</em>,
choose the order and press <strong>Return</strong>; a courier collects the parcel.</p>
<h2>When is the refund paid?</h2><ul><li>Cards: 3-7 business days</li></ul>"""
REFUND_PATH = "/hc/ko/articles/101-%EB%B0%98%ED%92%88-%ED%83%9D%EB%B0%B0"  # 101-반품-택배
LISTING = """<!DOCTYPE html><html lang="ko"><head><title>결제 – 고객센터</title></head><body>
<main><h1>결제</h1><ul><li><a href="/hc/ko/articles/101">반품 택배 보내기 안내</a></li>
<li><a href="/hc/ko/articles/102">비밀번호를 잊어버렸어요 안내</a></li>
<li><a href="/hc/ko/articles/106">배송지 변경하기 안내 문서</a></li></ul></main></body></html>"""


def support(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _site(hc: HelpCenter) -> None:
    hc.pages.update(
        {
            "/hc/ko/articles/101-반품-택배": Page(
                "반품 택배 보내기", REFUND_KO, category="주문 및 결제"
            ),
            "/hc/ko/articles/102-비밀번호": Page(
                "비밀번호를 잊어버렸어요", PASSWORD_KO, category="계정"
            ),
            "/hc/en-us/articles/201-returns": Page(
                "Returning an item", REFUND_EN, lang="en-US", category="Billing", lastmod=None
            ),
            "/hc/ko/articles/106-배송지": Page(
                "배송지 변경하기",
                "<p>주문 후 30분 안에는 주문 내역에서 배송지를 바꿀 수 있습니다. "
                "그 뒤에는 택배사에 문의해 주세요.</p>",
                category="주문 및 결제",
            ),
            "/hc/ko/categories/1-결제": Page("", "", raw=LISTING),
            "/hc/ko/articles/103-slow": Page("느린 문서", PASSWORD_KO, delay=1.5),
            "/hc/ko/articles/104-gone": Page("없는 문서", "", status=404),
            "/hc/ko/articles/105-broken": Page("고장 난 문서", "", status=500),
            "/private/internal": Page("내부 문서", PASSWORD_KO),
        }
    )


def test_a_sitemap_site_imports_syncs_incrementally_and_is_removed(capsys):
    with HelpCenter(zendesk=False) as hc:
        _site(hc)
        code, out, err = support(
            capsys,
            "kb",
            "add",
            f"{hc.url}/sitemap.xml",
            "--delay",
            "0",
            "--timeout",
            "0.5",
            "--json",
        )
        assert code == 0, err
        [first] = json.loads(out)
        assert (first["added"], first["removed"]) == (3 + 1, 0), first
        problems = "\n".join(first["problems"])
        for page, why in [
            ("103-slow", "no answer in time"),
            ("104-gone", "HTTP 404"),
            ("105-broken", "HTTP 500"),
            ("categories/1", "not an article"),
            ("/private/internal", "robots.txt"),
        ]:
            assert any(page in line and why in line for line in first["problems"]), problems
        assert "/private/internal" not in hc.paths()  # robots.txt was obeyed
        assert hc.paths().count("/robots.txt") == 1

        db = connect()
        body, link, topic, language = db.execute(
            "SELECT body, link, topic, language FROM kb_article WHERE title = '반품 택배 보내기'"
        ).fetchone()
        assert "## 반품 택배 보내기" in body and "1. **주문 내역**에서" in body
        assert f"[반품 규정]({hc.url}/hc/ko/articles/900)" in body and "- 카드: 3~7영업일" in body
        assert (
            "도움이 되었나요" not in body and "이 섹션의 문서" not in body
        )  # page chrome left out
        assert (link, topic, language) == (f"{hc.url}{REFUND_PATH}", "payment", "ko")
        english = db.execute("SELECT language, topic FROM kb_article WHERE title LIKE 'Return%'")
        assert english.fetchone() == ("en", "payment")

        # Between two syncs: one article changes, one leaves the sitemap, the rest stay.
        hc.pages["/hc/ko/articles/102-비밀번호"] = Page(
            "비밀번호를 잊어버렸어요",
            PASSWORD_KO.replace("30분", "1시간"),
            category="계정",
            lastmod="2026-11-20T09:00:00+00:00",
        )
        hc.pages["/hc/ko/articles/106-배송지"].listed = False
        hc.pages["/hc/ko/articles/103-slow"].delay = 0
        hc.requests.clear()
        code, out, err = support(capsys, "kb", "sync", "--delay", "0", "--json")
        assert code == 0, err
        synced = {item["source"]: item for item in json.loads(out)}[f"{hc.url}/sitemap.xml"]
        assert (synced["added"], synced["updated"], synced["removed"]) == (1, 1, 1)
        assert synced["unchanged"] == 2
        asked = dict(hc.requests)
        assert REFUND_PATH not in asked  # the sitemap's lastmod said it had not changed
        assert asked["/hc/en-us/articles/201-returns"] == 304  # no lastmod: a conditional GET
        assert asked["/hc/ko/articles/102-%EB%B9%84%EB%B0%80%EB%B2%88%ED%98%B8"] == 200
        body = (
            connect()
            .execute("SELECT body FROM kb_article WHERE title = '비밀번호를 잊어버렸어요'")
            .fetchone()[0]
        )
        assert "1시간" in body
        assert (
            connect()
            .execute("SELECT count(*) FROM kb_article WHERE title = '배송지 변경하기'")
            .fetchone()[0]
            == 0
        )

        # The chat answers from the imported article, citing its own link.
        answer = KbAgent(Settings.load()).answer(
            [Turn("customer", "반품 택배 접수는 어떻게 하나요?")], topic="other"
        )
        assert f"{hc.url}{REFUND_PATH}" in "".join(answer.pieces)

        code, out, err = support(capsys, "kb", "remove", f"{hc.url}/sitemap.xml")
        assert code == 0 and "Removed" in out, err
        code, out, _ = support(capsys, "kb", "sources", "--json")
        assert [s["kind"] for s in json.loads(out)] == ["bundled"]
        db = connect()
        assert (
            db.execute(
                "SELECT count(*) FROM kb_article WHERE link LIKE ?", (hc.url + "%",)
            ).fetchone()[0]
            == 0
        )
        orphans = "SELECT count(*) FROM kb_term WHERE article_id NOT IN (SELECT id FROM kb_article)"
        assert db.execute(orphans).fetchone()[0] == 0


def test_a_site_is_found_by_its_robots_sitemap_line(capsys):
    with HelpCenter(zendesk=False) as hc:
        _site(hc)
        for path in list(hc.pages):
            if "101" not in path:
                del hc.pages[path]
        hc.robots += f"Sitemap: {hc.url}/sitemap.xml\n"
        code, out, err = support(capsys, "kb", "add", hc.url + "/", "--delay", "0", "--json")
        assert code == 0, err
        assert json.loads(out)[0] | {"source": None} == json.loads(out)[0] | {"source": None}
        assert json.loads(out)[0]["source"] == f"{hc.url}/sitemap.xml"
        assert json.loads(out)[0]["added"] == 1


def _zendesk(hc: HelpCenter) -> None:
    hc.articles["ko"] = [
        zendesk_article(360001, "ko", "비밀번호 재설정", PASSWORD_KO, 20, "2026-11-01T00:00:00Z"),
        zendesk_article(360002, "ko", "반품 택배 보내기", REFUND_KO, 21, "2026-11-01T00:00:00Z"),
        zendesk_article(
            360003,
            "ko",
            "배송지 변경",
            "<p>주문 후 30분 안에 배송지를 바꿀 수 있어요.</p>",
            21,
            "2026-11-01T00:00:00Z",
        ),
    ]
    hc.articles["en-us"] = [
        zendesk_article(
            360002, "en-us", "Returning an item", REFUND_EN, 21, "2026-11-01T00:00:00Z"
        ),
        zendesk_article(
            360001,
            "en-us",
            "Reset your password",
            "<p>Press <b>Forgot password</b> and enter your email address.</p>",
            20,
            "2026-11-01T00:00:00Z",
        ),
    ]


def test_a_zendesk_help_center_imports_with_topics_and_syncs(engine, capsys):
    with HelpCenter() as hc:
        _zendesk(hc)
        code, out, err = support(capsys, "kb", "add", f"{hc.url}/hc/ko", "--delay", "0", "--json")
        assert code == 0, err
        [first] = json.loads(out)
        assert first["source"] == hc.url and first["added"] == 5 and first["problems"] == []
        listed = [p for p in hc.paths() if "/articles.json" in p and "per_page=1&" not in p]
        assert any("page=2" in p for p in listed)  # pagination followed
        code, out, _ = support(capsys, "kb", "topics", "--json")
        mapped = {item["category"]: item["topic"] for item in json.loads(out)}
        assert mapped == {
            "계정 및 로그인": "account",
            "결제 및 환불": "payment",
            "Account & login": "account",
            "Billing": "payment",
        }

        hc.articles["ko"][1] = zendesk_article(
            360002,
            "ko",
            "반품 택배 보내기",
            REFUND_KO.replace("14일", "30일"),
            21,
            "2026-11-21T00:00:00Z",
        )
        del hc.articles["ko"][2]
        hc.requests.clear()
        code, out, err = support(capsys, "kb", "sync", hc.url, "--delay", "0", "--json")
        assert code == 0, err
        [synced] = json.loads(out)
        assert (synced["updated"], synced["removed"], synced["unchanged"]) == (1, 1, 3)
        assert not [p for p in hc.paths() if "/articles/" in p]  # listings only, no article
        assert synced["requests"] == len(hc.requests)

        code, out, err = support(capsys, "kb", "topics", "set", "Billing", "usage")
        assert code == 0, err
        topic = connect().execute("SELECT topic FROM kb_article WHERE title = 'Returning an item'")
        assert topic.fetchone()[0] == "usage"

        agent = KbAgent(Settings.load())
        answer = agent.answer(
            [Turn("customer", "반품 택배는 언제까지 보낼 수 있나요?")], topic="payment"
        )
        text = "".join(answer.pieces)
        assert "https://acme.zendesk.example/hc/ko/articles/360002-반품" in text and "30일" in text
        code, out, _ = support(capsys, "kb", "search", "returning", "item", "--json")
        assert json.loads(out)[0]["link"].startswith("https://acme.zendesk.example/hc/en-us/")


def test_bad_sources_are_one_line_errors(capsys, tmp_path):
    code, _, err = support(capsys, "kb", "add", str(tmp_path / "nowhere"))
    assert code == 2 and err.count("\n") == 1 and "neither a folder" in err
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    code, _, err = support(capsys, "kb", "add", f"http://127.0.0.1:{port}/hc", "--delay", "0")
    assert code == 1 and err.count("\n") == 1 and "no Zendesk Help Center API" in err
    code, _, err = support(capsys, "kb", "remove", "42")
    assert code == 1 and "no help-center source" in err
    code, _, err = support(capsys, "kb", "remove", "bundled")
    assert code == 0
    assert KbAgent().search("환불") == []  # the sample articles are gone until added again
    assert support(capsys, "kb", "add", "bundled")[0] == 0
    assert KbAgent().search("환불")[0].article.slug == "payment-refund-ko"


def test_pages_are_fetched_politely_under_our_name(capsys):
    """kb.delay apart, with a User-Agent that says who we are."""
    with HelpCenter(zendesk=False) as hc:
        _site(hc)
        for path in list(hc.pages):
            if "101" not in path and "102" not in path:
                del hc.pages[path]
        code, _, err = support(capsys, "kb", "add", f"{hc.url}/sitemap.xml", "--delay", "0.15")
        assert code == 0, err
        gaps = [later - earlier for earlier, later in zip(hc.times, hc.times[1:], strict=False)]
        assert len(gaps) >= 4 and min(gaps) >= 0.12, gaps
        assert {agent.split("/")[0] for agent in hc.agents} == {"support-cli"}
