"""Settings come from IDEAPAJA_NOTIFICATION_* variables, with safe local defaults."""

from __future__ import annotations

import pytest

from ideapaja_notification.settings import NotificationSettings


def test_defaults_reach_the_local_mail_catcher(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SMTP_HOST", "SMTP_PORT", "MAIL_FROM", "HTTP_PORT"):
        monkeypatch.delenv(f"IDEAPAJA_NOTIFICATION_{name}", raising=False)
    settings = NotificationSettings()
    assert (settings.smtp_host, settings.smtp_port) == ("127.0.0.1", 1025)
    assert settings.mail_from == "Ideapaja <ideapaja@localhost>"
    assert settings.http_port == 8004
    assert not settings.smtp_starttls and settings.smtp_username is None


def test_smtp_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDEAPAJA_NOTIFICATION_SMTP_HOST", "smtp.vaasa.example")
    monkeypatch.setenv("IDEAPAJA_NOTIFICATION_SMTP_PORT", "587")
    monkeypatch.setenv("IDEAPAJA_NOTIFICATION_SMTP_USERNAME", "ideapaja")
    monkeypatch.setenv("IDEAPAJA_NOTIFICATION_SMTP_PASSWORD", "salasana")
    monkeypatch.setenv("IDEAPAJA_NOTIFICATION_SMTP_STARTTLS", "true")
    monkeypatch.setenv("IDEAPAJA_NOTIFICATION_MAIL_FROM", "Ideapaja <ideapaja@vaasa.example>")
    # Another service's variables are not ours.
    monkeypatch.setenv("IDEAPAJA_REWARD_SMTP_PORT", "2525")
    settings = NotificationSettings()
    assert (settings.smtp_host, settings.smtp_port) == ("smtp.vaasa.example", 587)
    assert settings.smtp_username == "ideapaja"
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "salasana"
    assert "salasana" not in repr(settings)
    assert settings.smtp_starttls
    assert settings.mail_from == "Ideapaja <ideapaja@vaasa.example>"


def test_a_delivery_being_sent_is_held_over_the_longest_smtp_conversation() -> None:
    settings = NotificationSettings(smtp_timeout_seconds=30, smtp_data_timeout_seconds=600)
    # Nine commands at 30 s (three on a conversation the server closed, six on a fresh one), the
    # reply to the data at 600 s (RFC 5321), a minute to record it.
    assert settings.attempt_lease_seconds == 9 * 30 + 600 + 60
