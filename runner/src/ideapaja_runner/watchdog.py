"""Watching the running stack: a process that dies is said to have died (how, and its last log
lines) and started again after its back-off (``restarts.RestartPolicy``); a crash loop ends the
watch, and the runner then stops everything."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ideapaja_runner.process import ManagedProcess
from ideapaja_runner.restarts import RestartPolicy


class Watchdog:
    def __init__(
        self,
        processes: Sequence[tuple[str, ManagedProcess]],
        max_restarts: int,
        error: Callable[[str], None],
        say: Callable[[str], None],
    ) -> None:
        self.processes = list(processes)
        self.error = error
        self.say = say
        self.policies = {name: RestartPolicy(max_restarts=max_restarts) for name, _ in processes}
        self.due: dict[str, float] = {}  # processes waiting for their restart, and when

    def check(self, now: float) -> bool:
        """Restart what is due, notice what died; False when a process is in a crash loop."""
        for name, process in self.processes:
            policy = self.policies[name]
            if policy.started_at is None:
                policy.started(now)
            if name in self.due:
                if now >= self.due[name]:
                    del self.due[name]
                    process.start()
                    policy.started(now)
                    self.say(f"restarted {name} (pid {process.pid}), log {process.log_path}")
            elif not process.alive():
                delay = policy.crashed(now)
                if delay is None:
                    self.error(
                        f"{name} {process.describe_exit()} again ({policy.recent_crashes} times "
                        f"within 5 minutes): a crash loop; stopping everything. "
                        f"{last_lines(process)}"
                    )
                    return False
                self.error(
                    f"{name} {process.describe_exit()}; starting it again in {delay:g} s. "
                    f"{last_lines(process)}"
                )
                self.due[name] = now + delay
        return True


def last_lines(process: ManagedProcess) -> str:
    tail = process.tail()
    if not tail.strip():
        return f"It wrote nothing to {process.log_path} before it died."
    return f"Last lines of {process.log_path}:\n{tail}"
