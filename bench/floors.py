"""The pipeline's CPU an idea beside the same work done at its floors, every figure from the same
run: a row of its own, printed when the rows it reads (pipeline, consumers, relay, submit) ran.

The issue's ≤ 10 ms an idea is a fixed number for work that grew: an idea causes about 8
events, 19 deliveries to consumers, 4 e-mails and one durable HTTP write. Its consumer target
(≥ 0.10 of a raw pull) instead lets a consumer cost up to 10× what the bare mechanism costs.
This row asks the same of the whole pipeline. The floors, each the cheapest way to do one unit of
that work with our guarantees and no framework:

- a delivery to a consumer: the durable floor (``floor.py``: raw pull, contract decode, inbox in
  one sqlite3 transaction per batch, acks), the mean of the consumers rows' rates;
- an event published: raw nats-py publish with 256 acks in flight (the relay row's baseline);
- the HTTP write: the thin durable reference app's CPU a request (the submit row, 16
  connections);
- an e-mail: a prebuilt mail over one raw smtplib conversation (``mailfloor.py``), the sender's
  CPU.

A floor given as a rate is one client's time an event (wall clock on one core, so at least its
CPU). Ideapaja's side is the CPU of its own processes (the services, the runner): nats-server
and the mail catcher, which the floors use as well, are left out of both.
"""

from __future__ import annotations

from statistics import mean
from typing import Any

from bench.harness import Row, Target

# As the consumers' ≥ 0.10 of raw: at most 10× the floor.
FLOOR_TARGET = Target("<", 10.0001, "≤ 10× the floors (proposed)")
NOT_IDEAPAJA = ("mailcatcher", "nats-server")


def _one(rows: list[Row], group: str, name: str) -> dict[str, Any] | None:
    return next((r.data for r in rows if r.group == group and r.name.startswith(name)), None)


def floors_row(rows: list[Row]) -> Row | None:
    stack = _one(rows, "2 pipeline", "stack CPU per idea")
    mail = _one(rows, "2 pipeline", "floor of one e-mail")
    relay = _one(rows, "3 outbox relay", "relay into JetStream, SQLite")
    submit = _one(rows, "4 submit", "intake durable, SQLite, 16 connections")
    floors = [
        r.data["durable_floor_events_per_s"]
        for r in rows
        if r.group == "1 consumers" and r.data.get("durable_floor_events_per_s")
    ]
    if not (stack and stack.get("ideas") and mail and relay and submit and floors):
        return None
    ideas, work = stack["ideas"], stack["work"]
    at_floor = {
        "deliveries": work["delivered"] / ideas * 1000 / mean(floors),
        "events": work["published"] / ideas * 1000 / relay["raw_events_per_s"],
        "HTTP write": submit["reference_cpu_ms"],
        "e-mails": work["mails"] / ideas * mail["mail_sender_cpu_ms"],
    }
    ours = sum(ms for name, ms in stack["by_process_ms"].items() if name not in NOT_IDEAPAJA)
    floor = sum(at_floor.values())
    return Row(
        "2 pipeline",
        "Ideapaja's CPU per idea beside the same work at its floors",
        f"×{ours / floor:.1f}: {ours:.1f} ms an idea (without nats-server and the catcher)",
        f"floors {floor:.1f} ms an idea: "
        + ", ".join(f"{name} {ms:.2f}" for name, ms in at_floor.items()),
        FLOOR_TARGET,
        ours / floor,
        {"floor_ms_per_idea": at_floor, "ideapaja_ms_per_idea": ours},
    )
