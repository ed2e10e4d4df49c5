"""The floor of one e-mail: a prebuilt message of a notice's size sent again and again over one
plain ``smtplib`` conversation to the stack's own mail catcher, with no template, no database and
no claim. The CPU an e-mail costs the sender at least (this process, ``time.process_time``) and
the catcher (its process, /proc): the pipeline's e-mails are weighed against it (bench/floors.py).
"""

from __future__ import annotations

import email.policy
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage

from bench.harness import cpu_seconds

# A receipt's length: a greeting, a few sentences, the signature; plain text and HTML.
_LINES = ["Hei Leena,", "", *["Ideasi on vastaanotettu ja se on nyt esikäsittelyssä."] * 6]


@dataclass(frozen=True)
class MailFloor:
    mails: int
    seconds: float
    sender_cpu_ms: float  # per mail
    catcher_cpu_ms: float  # per mail

    @property
    def rate(self) -> float:
        return self.mails / self.seconds if self.seconds > 0 else 0.0


def notice_sized_mail() -> bytes:
    message = EmailMessage()
    message["From"] = "Ideapaja <ideapaja@example.invalid>"
    message["To"] = "floor@example.invalid"
    message["Subject"] = "Ideasi on vastaanotettu: Kuormitustesti"
    message.set_content("\n".join(_LINES) + "\n\nIdeapaja\n")
    html = "".join(f"<p>{line}</p>\n" for line in _LINES if line)
    message.add_alternative(f"<html><body>\n{html}</body></html>\n", subtype="html")
    return message.as_bytes(policy=email.policy.SMTP)


def measure(smtp_port: int, catcher_pid: int, mails: int = 500) -> MailFloor:
    """Send ``mails`` copies to the catcher on ``smtp_port`` (blocking: call it outside the event
    loop) and wait until the catcher's CPU stops growing (it stores each mail after answering)."""
    raw = notice_sized_mail()
    catcher0, cpu0, started = cpu_seconds(catcher_pid), time.process_time(), time.perf_counter()
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        for _ in range(mails):
            smtp.sendmail("ideapaja@example.invalid", ["floor@example.invalid"], raw)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu0
    catcher = cpu_seconds(catcher_pid)
    while True:  # the catcher's last writes
        time.sleep(0.2)
        now = cpu_seconds(catcher_pid)
        if now == catcher:
            break
        catcher = now
    return MailFloor(mails, seconds, cpu / mails * 1000, (catcher - catcher0) / mails * 1000)
