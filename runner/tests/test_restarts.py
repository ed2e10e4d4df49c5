"""The runner's restart policy: back-off that doubles, recovery after a healthy run, a crash
loop given up on."""

from __future__ import annotations

from ideapaja_runner.restarts import RestartPolicy


def test_the_delay_doubles_with_each_crash_in_a_row_up_to_a_cap() -> None:
    policy = RestartPolicy(max_restarts=100, window=1000, max_delay=8)
    policy.started(0)
    delays = []
    for crash in range(6):
        now = crash * 10.0
        delay = policy.crashed(now)
        assert delay is not None
        delays.append(delay)
        policy.started(now + delay)
    assert delays == [1, 2, 4, 8, 8, 8]


def test_a_child_that_stayed_up_long_enough_starts_again_at_once() -> None:
    policy = RestartPolicy(healthy_after=60)
    policy.started(0)
    assert policy.crashed(5) == 1
    policy.started(6)
    assert policy.crashed(8) == 2
    policy.started(10)
    assert policy.crashed(200) == 1  # up for 190 s: recovered


def test_too_many_crashes_within_the_window_is_a_crash_loop() -> None:
    policy = RestartPolicy(max_restarts=2, window=300)
    policy.started(0)
    assert policy.crashed(1) is not None
    assert policy.crashed(2) is not None
    assert policy.crashed(3) is None
    # Crashes older than the window are forgotten.
    quiet = RestartPolicy(max_restarts=2, window=300)
    assert quiet.crashed(0) is not None
    assert quiet.crashed(100) is not None
    assert quiet.crashed(400) is not None


def test_no_restarts_at_all_gives_up_on_the_first_crash() -> None:
    assert RestartPolicy(max_restarts=0).crashed(0) is None
