"""The dev issuer: key pair kept per state dir, RS256 tokens the services' verifier accepts."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import jwt
import pytest

from ideapaja_runner import cli, devissuer
from ideapaja_runner.state import StateDir
from ideapaja_runtime.auth import TokenVerifier
from ideapaja_runtime.settings import ServiceSettings


def test_token_round_trip_verified_with_public_key(tmp_path: Path) -> None:
    state = StateDir.at(tmp_path / "state")
    token = devissuer.issue_token(
        state,
        person_id="p-1001",
        roles=["employee", "change_agent", "employee"],
        units=["u-kirjasto"],
        ttl_seconds=600,
    )
    public_pem = (tmp_path / "state" / "dev-issuer" / "public.pem").read_text()
    claims = jwt.decode(
        token, public_pem, algorithms=["RS256"], audience="ideapaja", issuer="ideapaja-dev"
    )
    assert claims["sub"] == "p-1001"
    assert claims["roles"] == ["employee", "change_agent"]
    assert claims["units"] == ["u-kirjasto"]
    assert claims["iss"] == "ideapaja-dev"
    assert claims["aud"] == "ideapaja"
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] - claims["iat"] == 600
    assert abs(claims["iat"] - time.time()) < 5
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    # A wrong key does not verify it.
    other = StateDir.at(tmp_path / "other")
    devissuer.ensure_keypair(other)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, other.public_key.read_text(), algorithms=["RS256"], audience="ideapaja")


def test_services_verifier_accepts_the_token(tmp_path: Path) -> None:
    state = StateDir.at(tmp_path)
    token = devissuer.issue_token(
        state, person_id="p-1016", roles=["hr", "reward_approver"], units=["u-henkilosto"]
    )
    verifier = TokenVerifier(ServiceSettings(auth_public_key_file=state.public_key))
    principal = verifier.verify(token)
    assert principal.person_id == "p-1016"
    assert principal.roles == {"hr", "reward_approver"}
    assert principal.unit_ids == {"u-henkilosto"}


def test_key_pair_generated_once_and_private_key_private(tmp_path: Path) -> None:
    state = StateDir.at(tmp_path)
    private, public = devissuer.ensure_keypair(state)
    first = (private.read_bytes(), public.read_bytes())
    assert b"BEGIN PRIVATE KEY" in first[0] and b"BEGIN PUBLIC KEY" in first[1]
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    devissuer.ensure_keypair(state)
    assert (private.read_bytes(), public.read_bytes()) == first
    # A lost public key is derived again from the private one.
    public.unlink()
    devissuer.ensure_keypair(state)
    assert public.read_bytes() == first[1]


def test_expired_token_is_rejected(tmp_path: Path) -> None:
    state = StateDir.at(tmp_path)
    token = devissuer.issue_token(
        state, person_id="p-1", roles=["employee"], ttl_seconds=60, now=int(time.time()) - 3600
    )
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(token, state.public_key.read_text(), algorithms=["RS256"], audience="ideapaja")


@pytest.mark.parametrize("person", ["p.1", "p 1", "", "x" * 65])
def test_bad_person_id_is_refused(tmp_path: Path, person: str) -> None:
    with pytest.raises(devissuer.TokenError):
        devissuer.issue_token(StateDir.at(tmp_path), person_id=person, roles=["employee"])


def test_cli_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["token", "--state-dir", str(tmp_path), "--person", "p-1002"]
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*argv, "--role", "supervisor", "--role", "employee", "--unit", "u-kirjasto"])
    assert exit_info.value.code == 0
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(
        token, (tmp_path / "dev-issuer" / "public.pem").read_text(), algorithms=["RS256"],
        audience="ideapaja",
    )  # fmt: skip
    assert claims["roles"] == ["supervisor", "employee"]
    assert claims["units"] == ["u-kirjasto"]

    # No role given: an employee.
    with pytest.raises(SystemExit):
        cli.main(argv)
    claims = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    assert claims["roles"] == ["employee"] and claims["units"] == []


def test_cli_token_from_demo_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(
            ["token", "--state-dir", str(tmp_path), "--person", "p-1018", "--from-csv",
             "--role", "management"]
        )  # fmt: skip
    assert exit_info.value.code == 0
    claims = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    assert claims["roles"] == ["employee", "supervisor", "admin", "management"]
    assert claims["units"] == ["u-digi"]

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["token", "--state-dir", str(tmp_path), "--person", "p-9999", "--from-csv"])
    assert exit_info.value.code == 1
    assert "p-9999 is not in" in capsys.readouterr().err
