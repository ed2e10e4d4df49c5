"""The SMTP catcher receives real SMTP, decodes what it shows, keeps mails across restarts."""

from __future__ import annotations

import asyncio
import json
import smtplib
from collections.abc import AsyncIterator
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.mime.text import MIMEText
from pathlib import Path

import httpx
import pytest

from ideapaja_runner.mailcatcher import MailCatcher, MailStore, summarize
from ideapaja_runtime.testing import free_port

SUBJECT = "Ideasi on hyväksytty \N{EN DASH} åtgärd på gång (ä, ö, å)"


@pytest.fixture
async def catcher(tmp_path: Path) -> AsyncIterator[MailCatcher]:
    mail = MailCatcher(tmp_path / "mail", smtp_port=free_port(), http_port=free_port())
    await mail.start()
    try:
        yield mail
    finally:
        await mail.stop()


def _send_utf8(port: int) -> None:
    msg = EmailMessage()
    msg["Subject"] = SUBJECT
    msg["From"] = "Ideapaja <noreply@kuusijarvi.example>"
    msg["To"] = "Aino Virtanen <aino.virtanen@kuusijarvi.example>"
    msg.set_content('Hei Aino!\n\nIdeasi "Kirjaston aukiolo" hyväksyttiin. Hälsningar, Åsa\n')
    msg.add_alternative("<p>Hei Aino! Ideasi hyväksyttiin.</p>", subtype="html")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(msg)


def _send_encoded(port: int) -> None:
    """Old-school: RFC 2047 subject, base64 ISO-8859-1 body, and a Bcc-style recipient."""
    msg = MIMEText("Päivää, ärrä ja öljy.\n", "plain", "iso-8859-1")
    msg["Subject"] = Header("Muistutus: määräaika lähestyy", "utf-8").encode()
    msg["From"] = "review@kuusijarvi.example"
    msg["To"] = "mikael.lindqvist@kuusijarvi.example"
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail(
            "review@kuusijarvi.example",
            ["mikael.lindqvist@kuusijarvi.example", "hidden.copy@kuusijarvi.example"],
            msg.as_bytes(),
        )


async def test_receives_smtp_and_lists_it_over_http(catcher: MailCatcher) -> None:
    await asyncio.to_thread(_send_utf8, catcher.smtp_port)
    await asyncio.to_thread(_send_encoded, catcher.smtp_port)
    base = f"http://127.0.0.1:{catcher.http_port}"
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.get("/messages")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        first, second = response.json()

        assert first["subject"] == SUBJECT
        assert first["from"] == "Ideapaja <noreply@kuusijarvi.example>"
        assert first["to"] == ["aino.virtanen@kuusijarvi.example"]
        assert "hyväksyttiin. Hälsningar, Åsa" in first["text"]
        assert "<p>Hei Aino!" in first["html"]
        assert first["date"] is None or isinstance(first["date"], str)
        assert first["received_at"] <= second["received_at"]

        assert second["subject"] == "Muistutus: määräaika lähestyy"
        assert second["text"].rstrip("\n") == "Päivää, ärrä ja öljy."
        assert "\r" not in second["text"]
        assert second["to"] == [
            "mikael.lindqvist@kuusijarvi.example", "hidden.copy@kuusijarvi.example",
        ]  # fmt: skip

        raw = await client.get(f"/messages/{second['id']}")
        assert raw.status_code == 200
        assert raw.headers["content-type"].startswith("message/rfc822")
        assert b"Subject: =?utf-8?" in raw.content
        assert (await client.get("/messages/19990101T000000000000Z-00000000")).status_code == 404

        hidden = await client.get("/messages", params={"to": "hidden.copy@kuusijarvi.example"})
        assert [m["id"] for m in hidden.json()] == [second["id"]]
        page = await client.get("/")
        assert "Muistutus: määräaika lähestyy" in page.text

        deleted = await client.delete("/messages")
        assert deleted.json() == {"deleted": 2}
        assert (await client.get("/messages")).json() == []
    assert list(catcher.store.directory.iterdir()) == []


async def test_mails_survive_a_restart(tmp_path: Path) -> None:
    directory = tmp_path / "mail"
    first = MailCatcher(directory, smtp_port=free_port(), http_port=free_port())
    await first.start()
    try:
        await asyncio.to_thread(_send_utf8, first.smtp_port)
        before = first.store.messages()
    finally:
        await first.stop()
    assert len(before) == 1
    assert sorted(p.suffix for p in directory.iterdir()) == [".eml", ".json"]

    reloaded = MailStore(directory)
    assert reloaded.messages() == before

    second = MailCatcher(directory, smtp_port=free_port(), http_port=free_port())
    await second.start()
    try:
        async with httpx.AsyncClient() as client:
            listed = (await client.get(f"http://127.0.0.1:{second.http_port}/messages")).json()
        assert listed == before
        # A stored .eml without its envelope file still lists, from its headers.
        (directory / f"{before[0]['id']}.json").unlink()
        assert MailStore(directory).messages()[0]["to"] == ["aino.virtanen@kuusijarvi.example"]
    finally:
        await second.stop()


def test_a_restart_reads_summaries_from_the_sidecars_and_writes_missing_ones(
    tmp_path: Path,
) -> None:
    """A restart after a busy day must not parse every mail again (22,000 took 104 s, past
    the runner's 20 s start-up limit): the summary is kept beside the mail. An older catcher's
    sidecar, without one, gets it on the first load."""
    directory = tmp_path / "mail"
    store = MailStore(directory)
    stored = store.add(b"Subject: Muistutus\r\nTo: a@example.fi\r\n\r\nHei!\r\n", "r@x.fi", [])
    sidecar, eml = directory / f"{stored.id}.json", directory / f"{stored.id}.eml"
    # Proof that the .eml is not parsed again: the sidecar's summary is what lists.
    eml.write_bytes(b"Subject: something else\r\n\r\n")
    assert MailStore(directory).messages()[0]["subject"] == "Muistutus"

    old = json.loads(sidecar.read_text())
    del old["summary"]
    sidecar.write_text(json.dumps(old))
    assert MailStore(directory).messages()[0]["subject"] == "something else"
    assert json.loads(sidecar.read_text())["summary"]["subject"] == "something else"
    assert json.loads(sidecar.read_text())["received_at"] == old["received_at"]


def _mail(**headers: str) -> EmailMessage:
    msg = EmailMessage()
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    return msg


def _summaries() -> dict[str, tuple[bytes, dict[str, object]]]:
    """Mails as they arrive, and what the catcher must show of them."""
    alternative = _mail(Subject=SUBJECT, From="Örjan Ågren <orjan@kuusijarvi.example>")
    alternative.set_content("Hei\nä\n")
    alternative.add_alternative("<p>Hei ä</p>", subtype="html")
    shown = {"subject": SUBJECT, "from": "Örjan Ågren <orjan@kuusijarvi.example>"}
    attached = _mail(Subject="liite", From="a@kuusijarvi.example")
    attached.set_content("runko\n")
    attached.add_attachment(b"not the body", maintype="text", subtype="plain", filename="a.txt")
    latin1 = (
        b"Subject: =?iso-8859-1?q?p=E4iv=E4?=\r\nFrom: a@x\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\np\xe4iv\xe4\r\n"
    )
    bodies = {"text": "Hei\nä\n", "html": "<p>Hei ä</p>\n"}
    return {
        "encoded words": (alternative.as_bytes(), {**shown, **bodies}),
        # SMTPUTF8: headers in raw UTF-8, not encoded words.
        "raw utf-8 headers": (alternative.as_bytes(policy=policy.SMTPUTF8), shown),
        "attachment": (attached.as_bytes(), {"text": "runko\n", "html": None}),
        "latin-1": (latin1, {"subject": "päivä", "text": "päivä\n"}),
        "no content type": (b"Subject: plain\r\n\r\njust text\r\n", {"text": "just text\n"}),
        "to and cc headers": (
            b"Subject: x\r\nTo: =?utf-8?q?=C3=85sa?= <asa@x.fi>, b@y\r\nCc: c@z\r\n\r\nhi\r\n",
            {"to": ["asa@x.fi", "b@y", "c@z"]},
        ),
    }  # fmt: skip


@pytest.mark.parametrize("case", list(_summaries()))
def test_what_a_mail_shows_is_decoded(case: str) -> None:
    raw, expected = _summaries()[case]
    summary = summarize(raw, "envelope@x", [] if "to" in expected else ["r@x"])
    assert "parse_error" not in summary
    assert {key: summary[key] for key in expected} == expected


def test_a_broken_mail_is_shown_with_its_error_not_refused() -> None:
    summary = summarize(
        b"Subject: x\r\nContent-Type: text/plain; charset=no-such-charset\r\n\r\nabc\r\n",
        "envelope@x",
        ["r@x"],
    )
    assert summary["subject"] == "x" and "parse_error" in summary
