"""Logs are JSON lines that carry the service, the event id and the trace id."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from ideapaja_runtime.logging import configure_logging, get_logger


def test_log_lines_are_json_with_event_and_trace_ids(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("sample", "INFO")
    try:
        structlog.contextvars.bind_contextvars(event_id="e-1", trace_id="4bf92f35")
        get_logger("test").info("event_handled", consumer="sample-submissions")
        logging.getLogger("some.library").warning("plain stdlib record")
    finally:
        structlog.contextvars.clear_contextvars()
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["event"] == "event_handled"
    assert lines[0]["event_id"] == "e-1"
    assert lines[0]["trace_id"] == "4bf92f35"
    assert lines[0]["service"] == "sample"
    assert lines[0]["level"] == "info"
    assert lines[1]["event"] == "plain stdlib record"
    assert lines[1]["service"] == "sample"
