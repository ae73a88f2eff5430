"""The one MIME renderer, in-process: whatever the input, what a receiver parses back is
exactly what the customer wrote (ASCII and SMTPUTF8 messages alike)."""

from __future__ import annotations

from email import message_from_string, policy
from email.utils import getaddresses

from hypothesis import given, settings
from hypothesis import strategies as st

from supportcli.mail.message import Outgoing, render

LOCAL = st.sampled_from(["help", "a.b-c", "고객센터", "지원팀", "x"])
DOMAIN = st.sampled_from(["example.com", "예시.한국", "mail.example.co.kr"])
NAME = st.sampled_from(["", "홍길동", "Kim, Min-su", 'A "quoted" name', "O'Brien", "😀 Emoji"])
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=80
).filter(lambda t: t.strip() and "=?" not in t)


@st.composite
def addresses(draw, min_size: int = 1) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    count = draw(st.integers(min_value=min_size, max_value=8))
    return [(draw(NAME), f"{draw(LOCAL)}@{draw(DOMAIN)}") for _ in range(count)]


def _quoted(name: str) -> str:
    """As sender_of writes the customer's name (drafts.py)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _idna(address: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}"


@settings(max_examples=300, deadline=None, derandomize=True)
@given(sender=addresses(), to=addresses(), cc=addresses(min_size=0), subject=TEXT, body=TEXT)
def test_what_is_parsed_back_is_what_was_written(sender, to, cc, subject, body) -> None:  # type: ignore[no-untyped-def]
    name, addr = sender[0]
    out = Outgoing(
        sender=f"{_quoted(name)} <{addr}>" if name else addr,
        to=[a for _, a in to],
        cc=[a for _, a in cc],
        subject=subject,
        body=body,
        message_id="<prop@example.com>",
    )
    wire = render(out)
    assert all(len(line) <= 998 for line in wire.split(b"\r\n"))
    if not out.needs_smtputf8:
        wire.decode("ascii")  # a message without SMTPUTF8 is ASCII from the first byte
    parsed = message_from_string(wire.decode("utf-8"), policy=policy.SMTPUTF8)
    assert str(parsed["Subject"]) == subject
    assert [a for _, a in getaddresses([str(parsed["To"])])] == [_idna(a) for _, a in to]
    if cc:
        assert [a for _, a in getaddresses([str(parsed["Cc"])])] == [_idna(a) for _, a in cc]
    (shown_from,) = parsed["From"].addresses
    assert shown_from.display_name == name
    assert shown_from.addr_spec == _idna(addr)
    assert parsed.get_body(("plain",)).get_payload(decode=True) == body.encode("utf-8")


def test_a_text_attachment_is_labelled_with_the_charset_its_bytes_decode_with() -> None:
    from supportcli.mail.message import with_charset

    text = "결제 오류 기록"
    assert with_charset("text/plain", text.encode("utf-8")) == 'text/plain; charset="utf-8"'
    assert with_charset("text/plain", text.encode("cp949")) == 'text/plain; charset="euc-kr"'
    # 똠 and 햏 exist only in CP949 (Windows' extension of EUC-KR)
    assert with_charset("text/csv", "똠방각하 햏".encode("cp949")) == 'text/csv; charset="cp949"'
    assert with_charset("text/plain", b"\xff\xfe\x00x") == "application/octet-stream"
    assert with_charset("text/plain; charset=latin-1", b"\xe9") == "text/plain; charset=latin-1"
    assert with_charset("image/png", b"\x89PNG") == "image/png"
