"""mail/privacy.py on real files: which attachments are scanned as text, and what a
decision sends and records."""

from __future__ import annotations

import os

from supportcli.mail.checks import check_attachment
from supportcli.mail.privacy import TEXT_SCAN_MAX, Decision, applied, attachment_text, scan_parts

RRN = "900101-1234567"
CARD = "4111111111111111"


def test_text_attachments_are_scanned_binary_and_huge_ones_are_not(tmp_path):
    utf8 = tmp_path / "메모.log"  # no text/* type, but UTF-8 bytes
    utf8.write_text(f"번호 {RRN}\n", encoding="utf-8")
    korean_windows = tmp_path / "메모.txt"
    korean_windows.write_bytes(f"번호 {RRN}\n".encode("cp949"))
    binary = tmp_path / "shot.png"
    binary.write_bytes(b"\x89PNG\x00" + CARD.encode())
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"x" * TEXT_SCAN_MAX + CARD.encode())
    files = [check_attachment(str(p)) for p in (utf8, korean_windows, binary, huge)]
    assert attachment_text(files[0]) == (f"번호 {RRN}\n", "utf-8")
    assert attachment_text(files[1]) == (f"번호 {RRN}\n", "cp949")
    assert attachment_text(files[2]) == (None, "")
    assert attachment_text(files[3]) == (None, "")
    parts = scan_parts("제목", "본문", files)
    assert [p.key for p in parts] == ["file:0", "file:1"]


def test_a_decision_masks_what_it_masks_and_counts_without_values(tmp_path):
    log = tmp_path / "a.txt"
    log.write_bytes(f"카드 {CARD}\n".encode("cp949"))
    files = [check_attachment(str(log))]
    subject, body = f"번호 {RRN}", f"카드 {CARD} 와 {RRN}"
    parts = scan_parts(subject, body, files)
    kept_body_card = Decision(tuple(parts), frozenset({2}))  # 1 subject, 2-3 body, 4 file
    with applied(kept_body_card, subject, body, files) as out:
        assert out.subject == "번호 900101-1******"
        assert out.body == f"카드 {CARD} 와 900101-1******"
        (masked,) = out.files
        assert masked.name == "a.txt" and masked.path != log
        assert masked.path.read_bytes() == "카드 **** **** **** 1111\n".encode("cp949")
        assert os.stat(masked.path).st_mode & 0o777 == 0o600
        assert out.meta == {"pii": {"masked": {"card": 1, "rrn": 2}, "kept": {"card": 1}}}
        folder = masked.path.parent
    assert not folder.exists()  # the temporary copy is gone once it is recorded
    assert log.read_bytes() == f"카드 {CARD}\n".encode("cp949")
