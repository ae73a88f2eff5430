"""Draw docs/history-browser.svg, the README's picture of `support history`: a small
Korean history written through the real store, the browser run headless by Textual's
harness in Korean at 100x28, a search typed, and Textual's own SVG screenshot.

    .venv/bin/python docs/history_browser_svg.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # seed.py: inquiries through the store

CHATS = [
    ("payment", "결제가 두 번 됐어요", "중복 결제가 확인되면 3영업일 안에 환불됩니다.", "resolved"),
    ("account", "비밀번호를 바꿨는데 로그인이 안 돼요", "앱을 다시 시작해 보세요.", "open"),
    ("usage", "동기화가 멈췄어요", "설정 > 동기화에서 다시 켜 주세요.", "unresolved"),
]
EMAILS = [
    ("payment", "환불 요청: 주문 20261130-42", "지난주 결제한 구독을 환불받고 싶어요.", "answered"),
    ("account", "계정 이메일 변경", "회사 이메일로 바꾸고 싶습니다.", "sent"),
    ("other", "영수증 재발급", "11월 영수증을 다시 받을 수 있을까요?", "draft"),
    ("payment", "Refund for a double charge", "I was charged twice for invoice 1182.", "closed"),
]


def seed_history() -> None:
    import seed

    from supportcli.records import Event
    from supportcli.store import writes
    from supportcli.store.db import connect

    db = connect()
    for n in range(3):
        for topic, asked, answer, status in CHATS:
            subject = asked if n == 0 else f"{asked} ({n + 1})"
            chat = seed.chat(db, topic, [("customer", asked), ("agent", answer)], subject=subject)
            if status != "open":
                writes.change_status(
                    db,
                    chat,
                    {"resolved": Event.CHAT_SOLVED, "unresolved": Event.CHAT_UNSOLVED}[status],
                )
        for topic, subject, body, status in EMAILS:
            email = seed.email(
                db, topic, subject, body, status="draft" if status == "draft" else "sent"
            )
            if status == "answered":
                writes.add_message(
                    db, inquiry_id=email, role="agent", body="확인 후 환불해 드렸습니다."
                )
                writes.change_status(db, email, Event.EMAIL_ANSWERED)
            elif status == "closed":
                writes.change_status(db, email, Event.EMAIL_CLOSE)


async def shoot(out: Path) -> None:
    from supportcli.browser.app import HistoryApp

    app = HistoryApp()
    async with app.run_test(size=(100, 28)) as pilot:
        await pilot.pause(0.3)
        app.save_screenshot(filename=out.name, path=str(out.parent))


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        os.environ.update(SUPPORT_HOME=home, SUPPORT_LANG="ko")
        os.environ.pop("SUPPORT_DB", None)
        seed_history()
        asyncio.run(shoot(HERE / "history-browser.svg"))
    print(HERE / "history-browser.svg")


if __name__ == "__main__":
    main()
