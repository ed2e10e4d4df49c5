"""HR CSV import: validated completely first, published to a real JetStream, idempotent."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import nats
import pytest
from nats.js.errors import NotFoundError
from runner_testkit import cli_exit

from ideapaja_contracts import decode
from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitKind, UnitUpserted
from ideapaja_runner import hr_import, hr_records

HEADER = "record,id,parent_id,name_fi,name_sv,name_en,unit_id,display_name,email,language,roles\n"
SMALL = HEADER + (
    "department,d-sivistys,,Sivistystoimi,Bildningsväsendet,Education,,,,,\n"
    "unit,u-kirjasto,d-sivistys,Kirjastopalvelut,Bibliotekstjänster,Library,,,,,\n"
    "person,p-1001,,,,,u-kirjasto,Aino Virtanen,aino.virtanen@kuusijarvi.example,fi,"
    "employee;change_agent\n"
    "person,p-1002,,,,,u-kirjasto,Mikael Lindqvist,mikael.lindqvist@kuusijarvi.example,sv,\n"
)


async def _stream_state(nats_url: str, stream: str = "IDEAPAJA_HR") -> tuple[int, int]:
    """(messages now in the stream, last sequence ever stored)."""
    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().stream_info(stream)
        return info.state.messages, info.state.last_seq
    finally:
        await nc.close()


async def _last(nats_url: str, subject: str) -> tuple[dict[str, str], object]:
    nc = await nats.connect(nats_url)
    try:
        msg = await nc.jetstream().get_last_msg("IDEAPAJA_HR", subject)
        headers = dict(msg.headers or {})
        _envelope, event = decode(headers, msg.data or b"")
        return headers, event
    finally:
        await nc.close()


async def test_import_publishes_units_and_persons(nats_url: str) -> None:
    summary = await hr_import.import_organisation(SMALL, nats_url, source="small.csv")
    assert summary.published == 4 and summary.unchanged == 0 and summary.duplicates == 0
    assert summary.subjects == [
        "hr.unit.d-sivistys", "hr.unit.u-kirjasto", "hr.person.p-1001", "hr.person.p-1002",
    ]  # fmt: skip
    assert await _stream_state(nats_url) == (4, 4)

    headers, unit = await _last(nats_url, "hr.unit.u-kirjasto")
    assert unit == UnitUpserted(
        unit_id="u-kirjasto", kind=UnitKind.UNIT, parent_id="d-sivistys",
        name_fi="Kirjastopalvelut", name_sv="Bibliotekstjänster", name_en="Library",
    )  # fmt: skip
    assert headers["ce-source"] == "/ideapaja/hr-adapter"
    assert headers["ce-type"] == "ideapaja.unit.upserted.v1"
    assert headers["ce-subject"] == "u-kirjasto"
    assert headers["Nats-Msg-Id"] == headers["ce-id"]

    _headers, person = await _last(nats_url, "hr.person.p-1001")
    assert isinstance(person, PersonUpserted)
    assert person.unit_id == "u-kirjasto" and person.language == "fi"
    assert [str(r) for r in person.roles] == ["employee", "change_agent"]
    _headers, person = await _last(nats_url, "hr.person.p-1002")
    assert isinstance(person, PersonUpserted)
    assert person.language == "sv" and [str(r) for r in person.roles] == ["employee"]


async def test_reimport_is_deduplicated(nats_url: str) -> None:
    first = await hr_import.import_organisation(SMALL, nats_url)
    assert first.published == 4
    ids = {s: (await _last(nats_url, s))[0]["ce-id"] for s in first.subjects}

    again = await hr_import.import_organisation(SMALL, nats_url)
    assert (again.published, again.unchanged) == (0, 4)
    assert await _stream_state(nats_url) == (4, 4)  # nothing stored, not even replaced

    # Two imports racing with the same data store each record once: the same content over
    # the same previous version gives the same Nats-Msg-Id.
    changed = SMALL.replace("Library,", "Library Services,")
    results = await asyncio.gather(
        hr_import.import_organisation(changed, nats_url),
        hr_import.import_organisation(changed, nats_url),
    )
    assert sum(r.published for r in results) == 1
    assert sum(r.published + r.unchanged + r.duplicates for r in results) == 8
    assert await _stream_state(nats_url) == (4, 5)
    assert (await _last(nats_url, "hr.person.p-1001"))[0]["ce-id"] == ids["hr.person.p-1001"]

    # Changed back (A → B → A): published again, with a new id, so consumers see the revert.
    back = await hr_import.import_organisation(SMALL, nats_url)
    assert back.published == 1 and back.subjects == ["hr.unit.u-kirjasto"]
    headers, unit = await _last(nats_url, "hr.unit.u-kirjasto")
    assert isinstance(unit, UnitUpserted) and unit.name_en == "Library"
    assert headers["ce-id"] != ids["hr.unit.u-kirjasto"]
    assert await _stream_state(nats_url) == (4, 6)


async def test_demo_organisation_imports(nats_url: str) -> None:
    summary = await hr_import.import_organisation(hr_records.demo_csv_text(), nats_url)
    org = hr_records.parse_organisation(hr_records.demo_csv_text())
    assert summary.published == len(org.units) + len(org.persons) == 36
    assert await _stream_state(nats_url) == (36, 36)


def test_bad_rows_give_line_numbers_and_nothing_is_published(
    tmp_path: Path, nats_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "# organisation export\n"  # line 1
        + HEADER  # line 2
        + "department,d-sivistys,,Sivistystoimi,,,,,,,\n"  # line 3: fine
        + "unit,u-kirjasto,d-sivistys,Kirjastopalvelut,,,,,,,\n"  # line 4: fine
        + "person,p-1001,,,,,u-kirjasto,Aino Virtanen,not-an-email,fi,employee\n"  # line 5
        + "\n"  # line 6: skipped
        + "person,p.1002,,,,,u-kirjasto,Mikael,mikael@kuusijarvi.example,de,employee\n"  # 7
        + "person,p-1003,,,,,u-nowhere,Leena,leena@kuusijarvi.example,fi,hr\n"  # line 8
        + "team,t-1,,,,,,,,,\n"  # line 9
        + "unit,u-kirjasto,d-sivistys,Kirjasto again,,,,,,,\n"  # line 10
        + "person,p-1004,,,,,u-kirjasto,,leena@kuusijarvi.example,fi,\n",  # line 11
        encoding="utf-8",
    )
    with pytest.raises(hr_records.CsvError) as exc_info:
        hr_records.parse_organisation(bad.read_text(), source=str(bad))
    errors = exc_info.value.errors
    by_line = {int(e.split(":")[0].removeprefix("line ")): e for e in errors}
    assert set(by_line) == {5, 7, 8, 9, 10, 11}, errors
    assert "email" in by_line[5]
    assert "person_id" in by_line[7] and "language" in by_line[7]
    assert "hr" in by_line[8] and "access_roles" in by_line[8]
    assert "record must be one of" in by_line[9]
    assert "already defined on line 4" in by_line[10]
    assert "display_name is required" in by_line[11]

    assert cli_exit(["hr", "import", str(bad), "--nats-url", nats_url]) == 1
    err = capsys.readouterr().err
    assert "line 5:" in err and "line 11:" in err

    async def hr_stream_absent() -> bool:
        nc = await nats.connect(nats_url)
        try:
            await nc.jetstream().stream_info("IDEAPAJA_HR")
        except NotFoundError:
            return True
        finally:
            await nc.close()
        return False

    # Validation failed before connecting: not even the streams were created.
    assert asyncio.run(hr_stream_absent())


def test_unknown_reference_needs_partial() -> None:
    text = HEADER + "person,p-1,,,,,u-elsewhere,Aino,aino@kuusijarvi.example,fi,\n"
    with pytest.raises(hr_records.CsvError, match=r"line 2: unit_id 'u-elsewhere'"):
        hr_records.parse_organisation(text)
    org = hr_records.parse_organisation(text, partial=True)
    assert [r.event.aggregate_id() for r in org.persons] == ["p-1"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no header row"),
        ("id,name\n", "no 'record' column"),
        ("record,id,e-mail\n", "unknown column(s) 'e-mail'"),
        ("record,id\n", "no records"),
        ("record,id,name_fi\nunit,u-1,Yksi,extra\n", "line 2: 4 cells"),
        (
            "record,id,parent_id,name_fi\nunit,u-a,u-b,A\nunit,u-b,u-a,B\n",
            "line 2: unit u-a is its own ancestor",
        ),
    ],
)
def test_malformed_files(text: str, message: str) -> None:
    with pytest.raises(hr_records.CsvError) as exc_info:
        hr_records.parse_organisation(text)
    assert message in str(exc_info.value)


def test_cli_import_and_leave(
    tmp_path: Path, nats_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "org.csv"
    path.write_text("\ufeff" + SMALL, encoding="utf-8")  # Excel's BOM is fine
    assert cli_exit(["hr", "import", str(path), "--nats-url", nats_url, "--dry-run"]) == 0
    assert "nothing published" in capsys.readouterr().out

    for expected in ("4 published, 0 unchanged", "0 published, 4 unchanged"):
        assert cli_exit(["hr", "import", str(path), "--nats-url", nats_url]) == 0
        assert expected in capsys.readouterr().out

    assert cli_exit(["hr", "leave", "p-1002", "--on", "2026-12-31", "--nats-url", nats_url]) == 0
    assert "1 published" in capsys.readouterr().out
    headers, event = asyncio.run(_last(nats_url, "hr.person.p-1002"))
    assert event == PersonLeft(person_id="p-1002", left_on="2026-12-31")
    assert headers["ce-type"] == "ideapaja.person.left.v1"
    assert asyncio.run(_stream_state(nats_url)) == (4, 5)  # the person's subject replaced

    cli_exit(["hr", "leave", "p-1002", "--on", "2026-12-31", "--nats-url", nats_url])
    assert "0 published, 1 unchanged" in capsys.readouterr().out


def test_person_left_validates_id() -> None:
    with pytest.raises(hr_records.CsvError):
        hr_records.person_left("p.1", date(2026, 1, 1))


def test_unreachable_nats_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ideapaja_runtime.testing import free_port

    path = tmp_path / "org.csv"
    path.write_text(SMALL, encoding="utf-8")
    url = f"nats://127.0.0.1:{free_port()}"
    assert cli_exit(["hr", "import", str(path), "--nats-url", url]) == 1
    assert f"cannot connect to NATS at {url}" in capsys.readouterr().err


def test_nats_credentials_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess

    from ideapaja_runtime.testing import free_port, nats_server_binary, wait_for_port

    monkeypatch.chdir(tmp_path)  # no .ideapaja state directory to take credentials from
    port = free_port()
    server = subprocess.Popen(
        [nats_server_binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd",
         str(tmp_path / "store"), "--user", "hr-adapter", "--pass", "salasana"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port)
        path = tmp_path / "org.csv"
        path.write_text(SMALL, encoding="utf-8")
        url = f"nats://127.0.0.1:{port}"
        assert cli_exit(["hr", "import", str(path), "--nats-url", url]) == 1
        assert f"cannot connect to NATS at {url}" in capsys.readouterr().err

        monkeypatch.setenv("IDEAPAJA_NATS_USER", "hr-adapter")
        monkeypatch.setenv("IDEAPAJA_NATS_PASSWORD", "salasana")
        assert cli_exit(["hr", "import", str(path), "--nats-url", url]) == 0
        assert "4 published" in capsys.readouterr().out
        assert cli_exit(["dlq", "list", "--nats-url", url]) == 0
        assert "no dead letters" in capsys.readouterr().out
    finally:
        server.terminate()
        server.wait(10)
