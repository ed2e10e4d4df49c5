"""F7 and F8 (issue 14): the whole stack on a three-node JetStream cluster (R3 streams,
``sync_interval: always``; cluster.py), every service connected to all three servers through
`ideapaja up --nats-url`. F7 SIGKILLs the node leading the stream under load, F8 cuts the
stream's leader off from the other two for 20 s; then every effect is counted (0 lost, 0
doubled). Each has a small variant (30 ideas) to time them against CI; both are in the long
scenarios (``reliability_full``), not the fast subset. At 1,000 ideas both counted 0 lost and
0 doubled (deploy/RELIABILITY.md).

    RELIABILITY_IDEAS=100 .venv/bin/pytest -m reliability tests/reliability/test_cluster.py
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from cluster import ClusterStack, NatsCluster, kill_stream_leader, partition_node
from harness import ideas_for_full_run, run_scenario

from ideapaja_runner.state import StateDir

pytestmark = [pytest.mark.reliability, pytest.mark.reliability_full, pytest.mark.timeout(3600)]

SIZES = [pytest.param(30, id="small"), pytest.param(None, id="full")]


def cluster_stack(root: Path, *, partitionable: bool) -> tuple[NatsCluster, ClusterStack]:
    state = root / "state"
    cluster = NatsCluster(root / "nats", StateDir.at(state), partitionable=partitionable)
    return cluster, ClusterStack(state_dir=state, cluster=cluster)


@pytest.fixture
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClusterStack]:
    cluster, stack = cluster_stack(tmp_path, partitionable=request.param)
    cluster.start()
    try:
        stack.start()
        yield stack
    finally:
        if stack.process is not None:
            stack.down()
        cluster.stop()


@pytest.mark.parametrize("stack", [False], indirect=True)
@pytest.mark.parametrize("ideas", SIZES)
def test_f7_stream_leader_killed(stack: ClusterStack, tmp_path: Path, ideas: int | None) -> None:
    assert stack.cluster is not None
    cluster = stack.cluster
    killed: list[str] = []

    async def fault() -> float:
        elected, leader = await kill_stream_leader(cluster)
        killed.append(leader)
        return elected

    run_scenario(
        stack, tmp_path, "f7", [(0.3, fault)],
        ideas=ideas or ideas_for_full_run(), scenario="F7",
        fault=lambda: f"3-node cluster, R3: SIGKILL the stream leader ({killed[0]}) at 30 %, "
                      "restarted 10 s later",
    )  # fmt: skip


@pytest.mark.parametrize("stack", [True], indirect=True)
@pytest.mark.parametrize("ideas", SIZES)
def test_f8_stream_leader_partitioned(
    stack: ClusterStack, tmp_path: Path, ideas: int | None
) -> None:
    assert stack.cluster is not None
    cluster = stack.cluster
    asyncio.run(cluster.make_leader("n3"))
    led: list[str | None] = []

    async def fault() -> float:
        led.append((await cluster.stream_replicas())[0])
        return await partition_node(cluster, seconds=20)

    run_scenario(
        stack, tmp_path, "f8", [(0.3, fault)],
        ideas=ideas or ideas_for_full_run(), scenario="F8",
        fault=lambda: f"3-node cluster, R3: n3 (stream leader: {led[0]}) cut off from the "
                      "others for 20 s at 30 %, then healed",
    )  # fmt: skip
