"""Reading one answer (supportcli.mail.inbound), in-process: the layouts real mail programs
send (tests/data/mail, laid out by hand as each client writes them), a corpus nobody here
wrote (the Python test suite's email messages), hostile values, limits, and a sample of
the fuzzer (reliability/fuzz_inbound.py runs the full 30,000)."""

from __future__ import annotations

import base64
import importlib.util
import unicodedata
from pathlib import Path

import pytest

from supportcli.mail import inbound
from supportcli.mail.charsets import decode, header_text
from supportcli.mail.htmltext import html_to_text
from supportcli.mail.inbound import Limits, cut_quote, read_answer, safe_name, thread_ids

ROOT = Path(__file__).resolve().parent.parent
MAIL = Path(__file__).resolve().parent / "data" / "mail"
CORPUS = Path("/usr/lib/python3.11/test/test_email/data")


def read(name: str) -> inbound.Incoming:
    return read_answer((MAIL / name).read_bytes())


def assert_clean(got: inbound.Incoming) -> None:
    """Every string comes out valid: encodable, no NUL, names safe to save."""
    values = [got.sender, got.sender_address, got.subject, got.date, got.text, got.full_text]
    values += [got.message_id or "", got.at or "", *got.refers_to, *got.notes]
    for value in values + [f.name for f in got.files]:
        value.encode("utf-8")
        assert "\x00" not in value
    for f in got.files:
        assert f.name and "/" not in f.name and "\\" not in f.name and f.name not in (".", "..")
        assert not any(unicodedata.category(c).startswith("C") for c in f.name), f.name


# Real client layouts: the answer's own words (exactly), its files, and the start of the
# earlier thread, which `text` must not have and `full_text` must.
CLIENTS = {
    "gmail_en.eml": (
        "Hello Hong,\n\nYour refund of 12,000 KRW was approved today. The receipt is attached.\n"
        "From: the billing team's side nothing else is needed.\n\nBest regards,\nSupport Desk\n",
        ["receipt-2026-12.pdf"],
        "On Wed, Dec 2, 2026 at 3:00 PM",
    ),
    "gmail_ko.eml": (
        "안녕하세요 홍길동 고객님,\n\n요청하신 환불이 오늘 처리되었습니다. "
        "영수증을 첨부해 드립니다.\n"
        "아래 양식을 작성:\n1. 계좌 번호\n2. 예금주\n\n감사합니다.\n고객센터 드림\n",
        ["영수증_2026년12월.pdf"],
        "2026년 12월 2일 (수) 오후 3:00, 홍길동 <hong@example.com>님이 작성:",
    ),
    "apple_mail.eml": (
        "Hi Hong,\n\nHere is the statement you asked for. The double charge is marked on "
        "page 1.\n\nKind regards,\nSupport Desk\n",
        ["statement-2026-11.pdf"],
        "On 2 Dec 2026, at 15:00, Hong Gildong <hong@example.com> wrote:",
    ),
    "outlook_ko.eml": (
        "홍길동 고객님, 안녕하세요.\n\n문의하신 11월 결제 내역을 첨부 파일로 보내 드립니다.\n"
        "중복 결제된 1건은 12월 4일까지 취소됩니다.\n\n감사합니다.\n고객센터 김민수 드림\n",
        ["image001.png", "11월_결제내역.xlsx"],
        "보낸 사람: 홍길동 <hong@example.com>",
    ),
    "naver.eml": (
        "홍길동 고객님, 안녕하세요.\n\n환불 신청은 환불 안내 페이지 (https://help.example.com/"
        "refund)에서 하실 수 있습니다.\n\n궁금하신 점은 언제든 문의해 주세요.\n\n고객센터 드림\n",
        ["환불 신청서 양식.hwp"],
        "-----Original Message-----",
    ),
    "daum.eml": (
        "안녕하세요, 고객센터입니다.\n\n요청하신 사용 내역서를 첨부했습니다.\n"
        "확인 후 회신 부탁드립니다.\n",
        ["사용내역서.pdf"],
        "------- 원본 메일 -------",
    ),
    "thunderbird.eml": (
        "안녕하세요. 앱 오류 로그를 확인했습니다. 최신 버전(3.2.1)으로 업데이트하신 뒤 다시 "
        "시도해 주세요. 문제가 계속되면 첨부한 로그 수집 도구 설명을 참고해 주세요.\n\n"
        "Thanks,\n-- \nSupport Desk\n",
        ["log-collector.txt"],
        "2026-12-02 오후 3:00에 홍길동 님이 쓴 글:",
    ),
    "iphone.eml": (
        "홍길동 고객님, 안녕하세요.\n\n확인해 보니 결제가 두 번 승인된 것이 맞습니다. 취소 처리 "
        "화면을 첨부합니다. 영업일 기준 3일 안에 카드사에서 취소됩니다.\n\niPhone에서 보냄\n",
        ["스크린샷 2026-12-02.png"],
        "2026. 12. 2. 오후 3:00, 홍길동 <hong@example.com> 작성:",
    ),
    "android.eml": (
        "네, 사진 잘 받았습니다. 말씀하신 기기는 무상 수리 대상입니다.\n가까운 서비스 센터 위치를 "
        "첨부한 지도에서 확인해 주세요.\n\nGalaxy 스마트폰에서 보냈습니다.\n",
        ["map.jpg"],
        "-------- 원본 메시지 --------",
    ),
}


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_each_client_layout_keeps_the_answer_and_its_files_and_cuts_only_the_quote(name):
    own, files, quote_starts = CLIENTS[name]
    got = read(name)
    assert got.text == own
    assert [f.name for f in got.files] == files
    assert all(f.data for f in got.files)
    assert quote_starts not in got.text and quote_starts in got.full_text
    assert got.full_text.startswith(own.rstrip("\n"))
    assert got.sender_address == "help@desk.example.com"
    assert got.at is not None and got.at.startswith("2026-12-02T")
    assert got.message_id and got.refers_to and got.notes == ()
    assert_clean(got)


def test_korean_headers_and_file_names_from_outlook_and_daum_come_out_whole():
    outlook = read("outlook_ko.eml")  # ks_c_5601-1987, a name split mid-character
    assert (outlook.sender, outlook.subject) == (
        "고객센터 <help@desk.example.com>",
        "RE: 결제 내역 요청",
    )
    daum = read("daum.eml")  # euc-kr
    assert daum.subject == "Re: 사용 내역서 요청"
    iphone = read("iphone.eml")  # RFC 2231, decomposed (NFD) as macOS writes it
    assert iphone.files[0].name == unicodedata.normalize("NFC", "스크린샷 2026-12-02.png")
    assert iphone.files[0].data[:3] == b"\xff\xd8\xff"


def test_an_html_only_answer_drops_scripts_styles_and_tracking_pixels_and_keeps_links():
    got = read("naver.eml")
    assert "document.write" not in got.full_text and "font-family" not in got.full_text
    assert "readReceipt" not in got.full_text
    assert "(https://help.example.com/refund)" in got.text


def test_a_forwarded_message_is_kept_as_eml_and_its_text_is_readable():
    got = read("forward.eml")
    assert [(f.name, f.content_type) for f in got.files] == [
        ("결제 취소 완료.eml", "message/rfc822")
    ]
    assert got.files[0].data.startswith(b"From: Payment Team")
    assert b"cancel.pdf" in got.files[0].data  # its own file travels inside the .eml
    assert got.text.startswith("결제팀의 확인 메일을 전달합니다.\n\n")
    assert "---------- Forwarded message ----------\nFrom: Payment Team" in got.text
    assert (
        "Subject: 결제 취소 완료\n\n홍길동 고객 건 취소 완료했습니다.\n\n> 취소 부탁드립니다.\n"
        in got.text
    )


def test_a_message_that_is_one_named_text_part_is_read_as_text():
    got = read_answer(message(b'Content-Type: text/plain; charset=utf-8; name="a.txt"', body=b"hi"))
    assert (got.text, got.files) == ("hi\n", ())


def test_a_tnef_attachment_is_kept():
    got = read("tnef.eml")
    assert [(f.name, f.content_type) for f in got.files] == [("winmail.dat", "application/ms-tnef")]
    assert got.text == "Please find the invoice attached.\n"


def test_an_answer_that_mentions_from_or_ends_a_line_with_jakseong_is_kept_whole():
    """Regression (issue 13): 93 characters were cut to 17 at the "From: " line."""
    got = read("from_mid_text.eml")
    assert got.text == got.full_text
    assert len(got.text) == 93 and "\nFrom: now on" in got.text and "양식을 작성:\n이름" in got.text


# The quote cutter alone.


@pytest.mark.parametrize(
    "text",
    [
        "Thanks.\nFrom: Monday the office is closed.\nSent: nothing yet.\n",
        "Write to us with these lines:\nFrom: your address\nSubject: refund\nDate: the day\n",
        "Hi,\n\nOn Monday Kim wrote: the patch.\nIt works now.\n",
        "Hi,\nKim wrote:\nthe second line is not quoted\n",
        "답변 드립니다.\n\n아래 내용을 작성:\n> 인용처럼 보이는 줄\n추가 답변입니다.\n",
        # Inline answers between quoted lines: nothing may be cut.
        "On Wed, Dec 2, 2026, Hong wrote:\n> Can I pay by card?\nYes.\n> And by phone?\nNo.\n",
        # Only the quote: cutting would leave nothing, so nothing is cut.
        "On Wed, Dec 2, 2026, Hong wrote:\n> Hello\n",
        "-----Original Message-----\nplain text after a separator, no headers\n",
    ],
)
def test_the_cutter_keeps_everything_when_it_is_not_sure(text):
    assert cut_quote(text) == text


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("Yes.\n\nOn Wed, Dec 2, 2026 at 3:00 PM Kim <k@x.com> wrote:\n> q\n>\n> q2\n", "Yes.\n"),
        ("네.\n\n2026. 12. 2. 오후 3:00, 김 <k@x.com> 작성:\n\n> 질문\n", "네.\n"),
        ("네.\n\nKim 님이 쓴 글:\n> 질문\n", "네.\n"),
        (
            "Ok.\n-----Original Message-----\nFrom: K\nSent: 7 Dec 2026\nTo: D\nSubject: S\n\nx\n",
            "Ok.\n",
        ),
        ("Ok.\n\nFrom: K <k@x.com>\nSent: 7 Dec 2026\nTo: D\nSubject: S\n\nold text\n", "Ok.\n"),
        (
            "네.\n\n보낸 사람: K\n보낸 날짜: 2026년 12월 7일\n받는 사람: D\n제목: S\n\n예전 글\n",
            "네.\n",
        ),
        (
            "네.\n\n------- 원본 메일 -------\n보낸사람: K\n날짜: 2026. 12. 7.\n제목: S\n\n예전\n",
            "네.\n",
        ),
        ("Yes.\r\n\r\nOn Mon, K wrote:\r\n> q\r\n", "Yes.\n"),
    ],
)
def test_the_cutter_cuts_a_real_trailing_quote(text, own):
    assert cut_quote(text) == own


def test_outlook_html_quotes_are_cut_after_conversion():
    html = (
        "<p>Ok, done.</p><div id=divRplyFwdMsg><hr><b>From:</b> K<br><b>Sent:</b> 7 Dec 2026<br>"
        "<b>To:</b> D<br><b>Subject:</b> S</div><div>old text</div>"
    )
    assert cut_quote(html_to_text(html)) == "Ok, done.\n"


def test_html_conversion_keeps_quote_marks_and_drops_scripts_in_the_body():
    html = "<p>Hi<script>alert(1)</script></p><blockquote>a<blockquote>b</blockquote></blockquote>"
    assert html_to_text(html) == "Hi\n\n> a\n> > b\n"


# Charsets: best effort, never raising, always a valid str.

KOREAN = "한글 답변입니다"


CHARSET_CASES = [
    ("euc-kr", KOREAN.encode("euc-kr"), KOREAN),
    ("cp949", "똠방각하".encode("cp949"), "똠방각하"),  # not in euc-kr
    ("euc-kr", "똠방각하".encode("cp949"), "똠방각하"),  # labelled euc-kr, written cp949
    ("ks_c_5601-1987", KOREAN.encode("cp949"), KOREAN),
    ("x-windows-949", KOREAN.encode("cp949"), KOREAN),
    ("iso-2022-kr", KOREAN.encode("iso2022_kr"), KOREAN),
    ("utf-7", KOREAN.encode("utf-7"), KOREAN),
    ("windows-874", "สวัสดี".encode("cp874"), "สวัสดี"),
    ("iso-8859-8-i", "שלום".encode("iso8859_8"), "שלום"),
    ("unknown-8bit", KOREAN.encode("utf-8"), KOREAN),
    ("unknown-8bit", KOREAN.encode("cp949"), KOREAN),
    ("", KOREAN.encode("cp949"), KOREAN),
    ("no-such-charset", "café".encode("latin-1"), "café"),
    ("rot13", b"plain", "plain"),  # a codec, but not a text encoding
    ("utf-8", "ok \xff".encode("latin-1") + KOREAN.encode(), "ok \ufffd" + KOREAN),
]


@pytest.mark.parametrize(
    ("charset", "data", "expected"), CHARSET_CASES, ids=[c[0] or "empty" for c in CHARSET_CASES]
)
def test_charsets_decode_best_effort(charset, data, expected):
    assert decode(data, charset) == expected


def test_a_utf7_lone_surrogate_comes_out_as_a_replacement_character():
    lone = b"+2D3cAw-"  # U+D83D then U+DC03 misordered: lone surrogates
    assert "\ud83d" not in decode(lone, "utf-7")
    decode(lone, "utf-7").encode("utf-8")
    raw = (
        b"From: =?utf-7?Q?+2D3-?= <x@example.com>\r\nSubject: =?utf-7?B?K2QzLQ==?=\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain; charset=utf-7\r\n\r\nbody +2D3-\r\n--b\r\n"
        b"Content-Type: application/pdf\r\nContent-Disposition: attachment; "
        b'filename="=?utf-7?B?K2QzLQ==?=.pdf"\r\n\r\n%PDF\r\n--b--\r\n'
    )
    got = read_answer(raw)
    assert_clean(got)
    assert got.sender_address == "x@example.com" and len(got.files) == 1


def test_encoded_words_broken_or_split_still_read():
    assert header_text("=?utf-8?B?7ZWc?= =?utf-8?B?6riA?=") == "한글"
    assert header_text("=?ks_c_5601-1987?B?x9E=?= =?ks_c_5601-1987?B?sdu=?=") == "한글"
    assert header_text("=?utf-8?B?7ZWc6riA7Z?=") == "한글"  # cut off: as far as it went
    assert header_text("=?bogus?Q?caf=E9?=") == "café"
    assert header_text("Re: \xed\x95\x9c\xea\xb8\x80") == "Re: 한글"  # raw UTF-8 (RFC 6532)


# Hostile headers and bodies: nothing raises, everything comes out bounded.


def message(*headers: bytes, body: bytes = b"body\r\n") -> bytes:
    return b"\r\n".join([*headers, b"", b""]) + body


@pytest.mark.parametrize("sender", [b"a@", b'"', b"<", b"", b"=?utf-8?B?7ZWc?= <@>", b"<<>>@@"])
def test_an_unreadable_from_gives_no_address_and_no_error(sender):
    got = read_answer(message(b"From: " + sender))
    assert got.sender_address == ""
    assert_clean(got)


@pytest.mark.parametrize(
    "date", [b"31 Dec 9999 23:59:59 -1200", b"1 Jan 1000 00:00:00 +1400", b"Wed, 99 Foo 2026", b""]
)
def test_a_date_out_of_range_gives_no_time_and_no_error(date):
    got = read_answer(message(b"Date: " + date))
    assert got.at is None
    assert got.date == date.decode()


def test_message_ids_are_bounded_and_cleaned():
    long_id = b"<" + b"x" * 2000 + b"@example.com>"
    refs = b" ".join(b"<r%d@example.com>" % i for i in range(200))
    got = read_answer(
        message(
            b"Message-ID: " + long_id,
            b"References: " + refs + b" <\xed\x95\x9c@example.com> <a b@c>",
            b"In-Reply-To: <parent@example.com>",
        )
    )
    assert got.message_id is None
    assert len(got.refers_to) == 50 and got.refers_to[-1] == "<parent@example.com>"
    assert got.refers_to[-2] == "<ab@c>" and got.refers_to[0] == "<r152@example.com>"
    assert read_answer(message(b"Message-ID: <\xed\x95\x9c@example.com>")).message_id is None
    assert thread_ids(b"Message-ID:\r\n <own@x.com>\r\nReferences: <a@x.com>\r\n\r\n") == (
        "<own@x.com>",
        ("<a@x.com>",),
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\evil.exe", "evil.exe"),
        ("\u202egpj.exe", "gpj.exe"),
        ("a\x00b\r\nc.txt", "abc.txt"),
        ("..", "fallback.bin"),
        ("", "fallback.bin"),
        ("CON.txt", "_CON.txt"),
        ("보고서 <최종>.pdf", "보고서 _최종_.pdf"),
    ],
)
def test_file_names_are_safe_to_show_and_save(name, expected):
    assert safe_name(name, "fallback.bin") == expected


def test_a_long_file_name_is_cut_keeping_its_extension():
    name = safe_name("가" * 500 + ".pdf", "x")
    assert name.endswith(".pdf") and len(name.encode("utf-8")) <= 180 and name.startswith("가")


def test_broken_base64_and_quoted_printable_decode_as_far_as_they_go():
    good = base64.b64encode(b"%PDF-1.4 " * 40).decode()
    raw = (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
        b"\r\n\r\n=ED=95=9C=EA=B8=80 =ZZ broken=\r\n--b\r\n"
        b"Content-Type: application/pdf; name=x.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + good[:101].encode()
        + b"!!\r\n--b--\r\n"
    )
    got = read_answer(raw)
    assert got.text.startswith("한글 =ZZ broken")
    assert got.files[0].data.startswith(b"%PDF-1.4 ") and len(got.files[0].data) == 75
    assert any("base64 broken, kept as far as it went" in n for n in got.notes)


# Limits.


def test_ten_thousand_parts_make_at_most_the_limit_of_files():
    part = b"--b\r\nContent-Type: application/octet-stream; name=f.bin\r\n\r\nx\r\n"
    raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + part * 10_000 + b"--b--\r\n"
    got = read_answer(raw)
    assert 0 < len(got.files) < Limits().max_parts
    assert any("more than 200 parts" in n for n in got.notes)


def test_a_multipart_nested_a_thousand_deep_is_read_without_recursion():
    head = b"".join(
        b"Content-Type: multipart/mixed; boundary=n%d\r\n\r\n--n%d\r\n" % (i, i)
        for i in range(1000)
    )
    raw = b"Subject: deep\r\n" + head + b"Content-Type: text/plain\r\n\r\ndeep text\r\n"
    got = read_answer(raw)
    assert got.subject == "deep"
    assert any("nested deeper than 30 levels" in n for n in got.notes)
    shallow = read_answer(raw, Limits(max_depth=2000))  # the recursion is capped anyway
    assert_clean(shallow)


def test_past_the_byte_limit_the_text_is_read_and_the_files_are_not_kept():
    raw = (MAIL / "gmail_en.eml").read_bytes()
    got = read_answer(raw, Limits(max_bytes=1000))
    assert got.text == CLIENTS["gmail_en.eml"][0]
    assert got.files == ()
    assert any("1 file(s) not kept" in n for n in got.notes)


def test_the_start_of_a_message_cut_at_the_limit_keeps_no_file():
    raw = (MAIL / "gmail_en.eml").read_bytes()
    whole = read_answer(raw)
    assert len(whole.files) == 1
    start = read_answer(raw[: len(raw) - 40], whole=False)  # the file's end is cut off
    assert start.text == CLIENTS["gmail_en.eml"][0]
    assert start.files == ()
    assert any("1 file(s) not kept" in n for n in start.notes)


def test_a_long_text_part_is_read_up_to_its_limit():
    raw = message(b"Content-Type: text/plain", body=b"x" * 5000)
    got = read_answer(raw, Limits(max_text_bytes=1000))
    assert got.text == "x" * 1000 + "\n"
    assert any("the rest not read" in n for n in got.notes)


def test_a_bug_of_ours_still_gives_a_flat_reading(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(inbound.mime_walk, "parse", broken)
    got = read_answer(message(b"Subject: s", b"Message-ID: <m@x.com>", body=b"hello\r\n"))
    assert (got.subject, got.message_id, got.text) == ("s", "<m@x.com>", "hello\n")
    assert got.notes == ("could not be read as MIME (RuntimeError)",)


# A corpus nobody here wrote, and the fuzzer.


def corpus() -> list[Path]:
    return sorted(CORPUS.glob("msg_*.txt"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="libpython3.11-testsuite is not installed")
def test_every_message_of_the_python_email_corpus_is_read():
    assert len(corpus()) >= 40
    for path in corpus():
        got = read_answer(path.read_bytes())
        assert_clean(got)
        assert not any(n.startswith("could not be read") for n in got.notes), path.name


def _fuzzer():
    spec = importlib.util.spec_from_file_location(
        "fuzz_inbound", ROOT / "reliability" / "fuzz_inbound.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_sample_of_the_fuzzer_finds_nothing():
    fuzz = _fuzzer()
    figures = fuzz.run(400, seed=7)
    assert figures["exceptions"] == 0 and figures["last_resort_readings"] == 0, figures
    assert fuzz.check(b"x") is None


def test_the_fuzzer_would_see_an_exception(monkeypatch):
    fuzz = _fuzzer()
    monkeypatch.setattr(fuzz.inbound, "read_answer", lambda raw: 1 / 0)
    assert "ZeroDivisionError" in fuzz.check(b"x")
