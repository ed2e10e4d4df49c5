"""The NATS configs are accepted by the real nats-server, and do what they say when started."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
import yaml

from ideapaja_runner import deploy_users
from ideapaja_runtime.nats_permissions import inbox_prefix, password_env
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.streams import ensure_streams
from ideapaja_runtime.testing import free_port, nats_server_binary

REPO = Path(__file__).resolve().parents[2]
SINGLE = REPO / "deploy" / "nats" / "nats.conf"
CLUSTER = REPO / "deploy" / "nats" / "cluster" / "nats-cluster.conf"
KUBERNETES_NATS = REPO / "deploy" / "kubernetes" / "nats.yaml"
# Environment the configs refer to ($NATS_SERVER_NAME, $SERVER_NAME, a password per NATS user).
SERVICES = deploy_users.installed_services()
PASSWORDS = {name: f"test-{name.lower()}" for name in deploy_users.password_variables(SERVICES)}
CONFIG_ENV = {"NATS_SERVER_NAME": "nats-1", "SERVER_NAME": "nats-0", **PASSWORDS}
ADMIN = {"user": "admin", "password": PASSWORDS[password_env("admin")]}


def _kubernetes_config() -> str:
    for doc in yaml.safe_load_all(KUBERNETES_NATS.read_text()):
        if doc and doc["kind"] == "ConfigMap":
            return str(doc["data"]["nats.conf"])
    raise AssertionError("no ConfigMap with nats.conf in deploy/kubernetes/nats.yaml")


CONFIGS = {
    "compose": lambda: SINGLE.read_text(),
    "cluster": lambda: CLUSTER.read_text(),
    "kubernetes": _kubernetes_config,
}


@pytest.fixture(scope="module")
def nats_server() -> str:
    binary = nats_server_binary()
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    found = re.search(r"v(\d+)\.(\d+)", out.stdout + out.stderr)
    assert found, out
    if (int(found[1]), int(found[2])) < (2, 10):
        pytest.skip(f"{binary} is {found[0]}; the configs target nats-server 2.10 or newer")
    return binary


def _localize(text: str, store: Path, pid_dir: Path) -> str:
    """Point the paths inside a config at a temp dir (the ports stay as written)."""
    text = re.sub(r"store_dir:\s*\S+", f'store_dir: "{store}"', text)
    return re.sub(r"pid_file:\s*\S+", f'pid_file: "{pid_dir / "nats.pid"}"', text)


def _config_test(binary: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, "-c", str(path), "-t"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **CONFIG_ENV},
    )


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_config_is_accepted_by_nats_server(name: str, nats_server: str, tmp_path: Path) -> None:
    config = tmp_path / "nats.conf"
    config.write_text(_localize(CONFIGS[name](), tmp_path / "store", tmp_path))
    result = _config_test(nats_server, config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid" in result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_config_promises_durability(name: str) -> None:
    text = CONFIGS[name]()
    jetstream = re.search(r"jetstream\s*\{(.*?)\}", text, re.S)
    assert jetstream, f"{name}: no jetstream block"
    assert re.search(r"^\s*sync_interval:\s*always\s*$", jetstream[1], re.M), name


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_config_users_are_generated_from_the_code(name: str) -> None:
    """The authorization block is exactly what ideapaja_runtime.nats_permissions says for the
    installed services (regenerate with `python -m ideapaja_runner.deploy_users --write`)."""
    text = CONFIGS[name]()
    assert deploy_users.update(text, SERVICES) == text, (
        f"{name}: stale NATS users; run `.venv/bin/python -m ideapaja_runner.deploy_users --write`"
    )
    block = text[text.index(deploy_users.BEGIN) : text.index(deploy_users.END)]
    referenced = set(re.findall(r"\$(NATS_[A-Z_]+_PASSWORD)\b", block))
    assert referenced == set(PASSWORDS)
    assert re.search(r"^\s*authorization\s*\{", text, re.M), f"{name}: anonymous access"


def test_deploy_users_check_passes_on_the_checkout() -> None:
    assert deploy_users.main(["--repo", str(REPO)]) == 0


def test_config_needs_every_password(nats_server: str, tmp_path: Path) -> None:
    """A missing password variable stops the server from starting (no silent empty password)."""
    config = tmp_path / "nats.conf"
    config.write_text(_localize(SINGLE.read_text(), tmp_path / "store", tmp_path))
    env = {k: v for k, v in {**os.environ, **CONFIG_ENV}.items() if k != "NATS_REWARD_PASSWORD"}
    result = subprocess.run(
        [nats_server, "-c", str(config), "-t"], capture_output=True, text=True, env=env
    )
    assert result.returncode != 0
    assert "NATS_REWARD_PASSWORD" in result.stderr


def test_config_test_really_validates(nats_server: str, tmp_path: Path) -> None:
    """Control: a misspelt option is refused, so a pass above means something."""
    config = tmp_path / "nats.conf"
    text = _localize(SINGLE.read_text(), tmp_path / "store", tmp_path)
    config.write_text(text.replace("sync_interval", "sync_intervall"))
    result = _config_test(nats_server, config)
    assert result.returncode != 0
    assert "sync_intervall" in result.stderr


def test_cluster_configs_route_to_three_servers() -> None:
    for text in (CLUSTER.read_text(), _kubernetes_config()):
        routes = re.search(r"routes:\s*\[(.*?)\]", text, re.S)
        assert routes, "no routes"
        assert len(re.findall(r"nats://[\w.-]+:6222", routes[1])) == 3


def _http_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
        return dict(json.loads(response.read()))


def _wait_for(url: str, timeout: float = 20.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            return _http_json(url)
        except Exception as exc:
            last = exc
            time.sleep(0.2)
    raise TimeoutError(f"{url}: {last!r}")


def _start(binary: str, config: Path, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # the server keeps its own copy of the descriptor
        return subprocess.Popen(
            [binary, "-c", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
        )


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture
def compose_nats(nats_server: str, tmp_path: Path) -> Iterator[tuple[int, int]]:
    """deploy/nats/nats.conf started for real, on free loopback ports."""
    client, monitor = free_port(), free_port()
    text = _localize(SINGLE.read_text(), tmp_path / "store", tmp_path)
    text = text.replace("listen: 0.0.0.0:4222", f"listen: 127.0.0.1:{client}")
    text = text.replace("http: 0.0.0.0:8222", f"http: 127.0.0.1:{monitor}")
    assert str(client) in text and str(monitor) in text, "ports not found in nats.conf"
    config = tmp_path / "nats.conf"
    config.write_text(text)
    process = _start(nats_server, config, tmp_path / "nats.log", CONFIG_ENV)
    try:
        yield client, monitor
    finally:
        _stop([process])


def test_compose_nats_health_url_and_sync_always(compose_nats: tuple[int, int]) -> None:
    _client, monitor = compose_nats
    # The URL of the compose healthcheck.
    health = _wait_for(f"http://127.0.0.1:{monitor}/healthz?js-enabled-only=true")
    assert health == {"status": "ok"}
    varz = _http_json(f"http://127.0.0.1:{monitor}/varz")
    jetstream = varz["jetstream"]
    assert isinstance(jetstream, dict)
    assert jetstream["config"]["sync_always"] is True
    assert varz["server_name"] == "ideapaja-nats-1"


async def test_compose_nats_takes_the_ideapaja_streams(compose_nats: tuple[int, int]) -> None:
    client, monitor = compose_nats
    _wait_for(f"http://127.0.0.1:{monitor}/healthz?js-enabled-only=true")
    nc = await nats.connect(f"nats://127.0.0.1:{client}", **ADMIN)
    try:
        js = nc.jetstream()
        settings = ServiceSettings(stream_replicas=1)
        await ensure_streams(js, settings)
        info = await js.stream_info(settings.lifecycle_stream)
        assert info.config.num_replicas == 1
        ack = await js.publish("ideapaja.idea.submitted.v1", b"{}", headers={"Nats-Msg-Id": "a"})
        assert ack.stream == settings.lifecycle_stream
    finally:
        await nc.close()


async def test_compose_nats_users_are_limited(compose_nats: tuple[int, int]) -> None:
    """No anonymous access; a service publishes its own events, not another service's."""
    client, monitor = compose_nats
    _wait_for(f"http://127.0.0.1:{monitor}/healthz?js-enabled-only=true")
    url = f"nats://127.0.0.1:{client}"
    with pytest.raises(Exception, match="Authorization Violation"):
        await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=1)
    if "reward" not in SERVICES:
        pytest.skip("the reward service is not installed")
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    nc = await nats.connect(
        url,
        user="reward",
        password=PASSWORDS[password_env("reward")],
        error_cb=on_error,
        # Replies reach a service on its private inbox only.
        inbox_prefix=inbox_prefix("reward"),
    )
    try:
        js = nc.jetstream()
        await ensure_streams(js, ServiceSettings())
        ack = await js.publish("ideapaja.reward.granted.v1", b"{}", headers={"Nats-Msg-Id": "r"})
        assert ack.stream == "IDEAPAJA"
        with pytest.raises(nats.errors.TimeoutError):
            await js.publish("ideapaja.idea.submitted.v1", b"{}", timeout=0.5)
        assert any('violation for publish to "ideapaja.idea.submitted.v1"' in e for e in errors)
    finally:
        await nc.close()


@pytest.fixture
def cluster(nats_server: str, tmp_path: Path) -> Iterator[list[tuple[int, int]]]:
    """deploy/nats/cluster/nats-cluster.conf on three servers, rewritten to loopback ports."""
    template = CLUSTER.read_text()
    hosts = re.findall(r"nats://([\w-]+):6222", template)
    assert len(hosts) == 3, hosts
    ports = [(free_port(), free_port(), free_port()) for _ in hosts]
    processes = []
    try:
        for index, host in enumerate(hosts):
            node = tmp_path / host
            node.mkdir()
            client, monitor, route = ports[index]
            text = _localize(template, node / "store", node)
            text = text.replace("listen: 0.0.0.0:4222", f"listen: 127.0.0.1:{client}")
            text = text.replace("http: 0.0.0.0:8222", f"http: 127.0.0.1:{monitor}")
            text = text.replace("listen: 0.0.0.0:6222", f"listen: 127.0.0.1:{route}")
            for other, (_c, _m, other_route) in zip(hosts, ports, strict=True):
                text = text.replace(f"nats://{other}:6222", f"nats://127.0.0.1:{other_route}")
            assert "0.0.0.0" not in text, "a listen address was not rewritten"
            config = node / "nats.conf"
            config.write_text(text)
            env = {**CONFIG_ENV, "NATS_SERVER_NAME": host}
            processes.append(_start(nats_server, config, node / "nats.log", env))
        yield [(client, monitor) for client, monitor, _route in ports]
    finally:
        _stop(processes)


async def test_cluster_config_forms_a_cluster_with_r3_streams(
    cluster: list[tuple[int, int]],
) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            jsz = [_http_json(f"http://127.0.0.1:{m}/jsz") for _c, m in cluster]
            meta = [j.get("meta_cluster") or {} for j in jsz]
            if all(isinstance(m, dict) and m.get("leader") for m in meta):
                break
        except OSError:
            pass
        assert time.monotonic() < deadline, "the three servers formed no JetStream cluster"
        time.sleep(0.5)
    assert all(m["cluster_size"] == 3 for m in meta if isinstance(m, dict))

    urls = [f"nats://127.0.0.1:{client}" for client, _m in cluster]
    nc = await nats.connect(servers=urls, **ADMIN)
    try:
        js = nc.jetstream(timeout=20)
        settings = ServiceSettings(stream_replicas=3)
        deadline = time.monotonic() + 60
        while True:
            try:
                await ensure_streams(js, settings)
                break
            except Exception:
                # The meta leader may still be settling right after the cluster formed.
                assert time.monotonic() < deadline, "could not create the streams"
                await asyncio.sleep(1)
        for stream in (settings.lifecycle_stream, settings.hr_stream, settings.dead_letter_stream):
            info = await js.stream_info(stream)
            assert info.config.num_replicas == 3
            assert info.cluster is not None
            assert len(info.cluster.replicas or []) == 2, "a leader and two replicas"
        deadline = time.monotonic() + 30
        while True:
            try:
                ack = await js.publish(
                    "ideapaja.idea.submitted.v1", b"{}", headers={"Nats-Msg-Id": "x"}
                )
                break
            except nats.js.errors.NoStreamResponseError:
                # A new R3 stream answers once its own leader is elected, a moment after creation.
                assert time.monotonic() < deadline, "the R3 stream never accepted a message"
                await asyncio.sleep(0.5)
        assert ack.stream == settings.lifecycle_stream
    finally:
        await nc.close()
