"""Korean query understanding (supportcli/korean.py) and the term analysis it feeds: the
synonym and misspelling table, particles, spacing, and the history search using it."""

from __future__ import annotations

import pytest

from supportcli.chat import smalltalk
from supportcli.chat.retrieval import content_heads, terms
from supportcli.korean import understand, variants
from supportcli.store import writes
from supportcli.store.db import index_pending, transaction
from supportcli.store.reads import Filters, list_rows


@pytest.mark.parametrize(
    ("said", "means"),
    [
        ("결재가 두번 됐어요", "결제"),
        ("비번 까먹었어요", "비밀번호"),
        ("로긴이 안돼요", "로그인"),
        ("2차 인증 어떻게 켜요", "2단계 인증"),
        ("이중인증 끄고싶어요", "2단계 인증"),
        ("OTP 앱 바꾸려면", "2단계 인증"),
        ("탈퇴하고 싶어요", "계정 삭제"),
        ("앱이 자꾸 튕겨요", "앱 꺼짐"),
        ("환불받고 싶어요", "환불"),
        ("구독 헤지 할래요", "해지"),
        ("핸드폰 번호 바꿨어요", "휴대폰"),
        ("폰에서 안 보여요", "휴대폰에서"),
        ("password reset 메일이 안 와요", "비밀번호 재설정"),
        ("refund 받을 수 있나요", "환불"),
    ],
)
def test_the_question_is_read_in_the_help_centers_words(said, means):
    assert means in understand(said)


def test_what_is_not_slang_is_left_alone():
    assert "2단계" not in understand("forgot password")  # "forgOTPassword" is no OTP
    assert "휴대폰" not in understand("스마트폰 폰트가 이상해요")
    assert understand("I forgot my password") == "i forgot my password"  # no Korean added
    assert "ㅠ" not in understand("비밀번호가 기억이 안나요ㅠㅠ")
    assert "해지" in understand("자동결제 끊고 싶어요")
    assert "해지" not in understand("동기화가 자꾸 끊겨요")


def test_english_words_of_a_korean_question_can_be_replaced_rather_than_kept():
    assert "refund" in understand("refund 받을 수 있나요")
    replaced = understand("refund 받을 수 있나요", keep_english=False)
    assert "refund" not in replaced and "환불" in replaced


def test_search_variants_go_both_ways_and_keep_the_word():
    assert variants("결재") == ["결재", "결제"]
    assert variants("결제") == ["결제", "결재"]
    assert "비번" in variants("비밀번호")
    assert variants("e-mail") == ["e-mail"]
    assert variants("cant") == ["cant"]  # can't is two words: not a search variant


def test_particles_do_not_make_false_matches():
    assert terms("결재가") != terms("결제가")
    assert terms("결제가") == terms("결제") == ["결제"]
    assert "재가" not in terms(understand("결재가 두번 됐는데"))  # 재가입 is deletion
    assert terms("로그인이") == terms("로그인")
    assert terms("놀이") == ["놀"]  # one syllable stays with a one-syllable particle dropped
    assert terms("기기가") == terms("기기")


def test_a_question_without_spaces_matches_the_spaced_words_of_an_article():
    article = set(terms("결제 수단 변경, 비밀번호 재설정 메일", joins=True))
    for question in ("결제수단변경", "비밀번호재설정메일"):
        assert set(terms(question)) <= article, question
    assert "제수" not in terms("결제 수단")  # a question's own spaces are not crossed


def test_what_a_question_asks_about_is_its_nouns():
    assert content_heads("제 포인트가 사라졌어요") == ["포인"]
    assert content_heads("로그인하면 오류 떠요") == ["로그", "오류"]
    assert content_heads("개인정보 처리방침 어디서 봐요") == ["개인", "정보", "처리", "방침"]
    assert content_heads("환불받고 싶어요") == ["환불"]
    assert content_heads("how do I change my delivery address") == ["chang", "delivery", "addres"]


@pytest.mark.parametrize(
    "said",
    [
        "상담원 연결해주세요",
        "상담원이랑 직접 통화하고 싶어요",
        "사람이랑 얘기하고 싶어요",
        "챗봇 말고 상담사요",
        "고객센터 전화번호 뭐에요?",
        "전화 상담 가능한가요?",
        "talk to a human",
        "I want to speak to an agent",
        "can I call you? what's your phone number",
    ],
)
def test_asking_for_a_person_is_recognised(said):
    assert smalltalk.asks_for_person(said)


@pytest.mark.parametrize(
    "said",
    [
        "전화번호 변경하고 싶어요",
        "I got a new phone number, how do I update it",
        "휴대폰 번호를 바꿨어요",
        "비밀번호 재설정 메일이 안 와요",
    ],
)
def test_a_question_about_ones_own_phone_is_not_a_request_for_a_person(said):
    assert not smalltalk.asks_for_person(said)


@pytest.mark.parametrize(
    ("said", "kind"),
    [("ㄱㅅ", "thanks"), ("ㅎㅇ", "hello"), ("ㅂㅂ", "bye"), ("고마워요 ㅎㅎ", "thanks"),
     ("넵 감사해요 ㅋㅋ", "thanks"), ("ㅋㅋㅋ", None), ("로그인 안돼요 ㅠㅠ", None)],
)  # fmt: skip
def test_chat_shorthand_in_small_talk(said, kind):
    assert smalltalk.kind(said) == kind


def test_history_search_finds_each_spelling_of_a_word(engine, db):
    with transaction(db):
        ids = {}
        for body in ("결제가 두 번 됐어요", "결재가 안 돼요", "비밀번호를 잊었어요", "환불 문의"):
            inquiry = writes.create_inquiry(
                db, channel="chat", topic="payment", status="open", subject=body
            )
            writes.add_message(db, inquiry_id=inquiry, role="customer", body=body)
            ids[body] = inquiry
    index_pending(db)

    def found(query: str) -> set[int]:
        return {r.id for r in list_rows(db, Filters(search=query))}

    both = {ids["결제가 두 번 됐어요"], ids["결재가 안 돼요"]}
    assert found("결재") == both
    assert found("결제") == both
    assert found("비번") == {ids["비밀번호를 잊었어요"]}
    assert found("결재 두") == {ids["결제가 두 번 됐어요"]}  # each word still required
    assert found("환블") == {ids["환불 문의"]}
