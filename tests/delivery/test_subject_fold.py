"""Long subjects fold without a line break right after `Subject:` (read as a leading space)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from monitor.delivery.message import _base, message_bytes


def _sent_subject(subj: str) -> tuple[str, str]:
    msg = _base(sender="monitor@example.org", to=["a@example.org"], subj=subj,
                msg_id="<id@example.org>", when=datetime(2026, 12, 2, tzinfo=UTC))
    msg.set_content("body")
    raw = message_bytes(msg)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    header = raw.split(b"\r\nDate:")[0].split(b"Subject:")[1].decode()
    return str(parsed["Subject"]), header


def test_a_first_word_that_fits_no_line_after_the_name_stays_on_the_first_line() -> None:
    for length in range(60, 100):  # around where "Subject: " + the word passes 78
        for subj in ("x" * length + " tail", "[monitor] " + "y" * length,
                     "Breaking: " + "-".join(["OPEC"] * (length // 5))):
            parsed, header = _sent_subject(subj)
            assert parsed == subj, (length, header)
            assert header.startswith(" ") and not header.startswith(" \r\n"), header
            assert all(len(line) <= 998 for line in header.split("\r\n"))


def test_ordinary_long_subjects_still_fold_at_78() -> None:
    subj = "[monitor] Defence cooperation with China: " + " ".join(["Beijing and Baku"] * 8)
    parsed, header = _sent_subject(subj)
    assert parsed == subj
    lines = ("Subject:" + header).split("\r\n")
    assert len(lines) > 1 and all(len(line) <= 78 for line in lines)
