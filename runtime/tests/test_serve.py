"""A service process tunes Python's garbage collector as its settings say."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from runtime_testkit import fast_settings

from ideapaja_runtime.serve import tune_gc


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_the_built_service_is_frozen_and_young_collections_are_rarer(restored_gc: None) -> None:
    gc.unfreeze()
    tune_gc(fast_settings(nats_url="nats://unused", database_url="sqlite://"))
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == 50_000


def test_zero_and_false_leave_python_s_defaults(restored_gc: None) -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    tune_gc(
        fast_settings(
            nats_url="nats://unused",
            database_url="sqlite://",
            gc_freeze_after_start=False,
            gc_young_threshold=0,
        )
    )
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
