"""The Dockerfile, .dockerignore and the image's scripts — checked without a Docker engine.

The build step is replayed outside Docker: the files the build context would hold (after
.dockerignore) are copied to a temp dir, the Dockerfile's own `uv sync` runs there, and the service
is started from the resulting environment through the image's entrypoint, with the image's
health probe asking /healthz and /readyz.
"""

from __future__ import annotations

import fnmatch
import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ideapaja_runtime.testing import free_port

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
ENTRYPOINT = REPO / "deploy" / "docker" / "entrypoint.sh"
HEALTHCHECK = REPO / "deploy" / "docker" / "healthcheck.py"
ASSETS_SCRIPT = "scripts/frontend_assets.py"
PORTAL_ASSETS = REPO / "services" / "portal" / "assets.json"


def _instructions() -> list[str]:
    """Dockerfile instructions with line continuations joined and comments dropped."""
    lines = [ln for ln in DOCKERFILE.read_text().splitlines() if not ln.lstrip().startswith("#")]
    # Docker removes each backslash-newline, keeping the next line's indentation.
    return [i.strip() for i in re.sub(r"\\\n", "", "\n".join(lines)).splitlines() if i.strip()]


def test_dockerfile_shape() -> None:
    instructions = _instructions()
    froms = [i for i in instructions if i.startswith("FROM ")]
    assert len(froms) >= 2, "multi-stage build"
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in instructions
    assert all(f.startswith("FROM ${PYTHON_IMAGE}") for f in froms)
    assert any(re.match(r"RUN pip install .*\"uv==", i) for i in instructions)
    assert "ARG SERVICE" in instructions
    run = next(i for i in instructions if "uv sync" in i)
    for flag in ("--frozen", "--no-dev", "--no-editable", "--package"):
        assert flag in run
    # The portal's front-end assets are in place before uv builds the package (its wheel carries
    # them), in the build stage, after the build context is copied.
    assets = next(i for i in instructions if i.startswith("RUN ") and ASSETS_SCRIPT in i)
    build_stage = instructions[: instructions.index(froms[-1])]
    assert assets in build_stage
    assert build_stage.index("COPY . .") < build_stage.index(assets) < build_stage.index(run)
    final = instructions[instructions.index(froms[-1]) :]
    assert "ENV IDEAPAJA_SERVICE=${SERVICE}" in " ".join(final)
    user = next(i for i in final if i.startswith("USER "))
    assert user.split()[1].split(":")[0] not in {"root", "0"}
    healthcheck = next(i for i in final if i.startswith("HEALTHCHECK "))
    assert '"python", "/app/healthcheck.py", "/healthz"' in healthcheck
    assert 'ENTRYPOINT ["/app/entrypoint.sh"]' in final
    assert 'CMD ["serve"]' in final
    assert "exec python -m ideapaja_runtime.serve" in ENTRYPOINT.read_text()


def _ignore_patterns() -> list[tuple[bool, str]]:
    patterns = []
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            negated = line.startswith("!")
            patterns.append((negated, line.lstrip("!").strip("/")))
    return patterns


def _matches(pattern: str, path: str) -> bool:
    """Docker's rule, simplified: a pattern matches a path or one of its parent folders."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    if pattern.startswith("**/"):
        tail = pattern[3:]
        return any(fnmatch.fnmatchcase(c.rsplit("/", 1)[-1], tail) for c in candidates) or any(
            fnmatch.fnmatchcase(c, tail) for c in candidates
        )
    return any(
        fnmatch.fnmatchcase(c, pattern) and c.count("/") == pattern.count("/") for c in candidates
    )


def _in_context(path: str, patterns: list[tuple[bool, str]]) -> bool:
    excluded = False
    for negated, pattern in patterns:
        if _matches(pattern, path):
            excluded = not negated
    return not excluded


def _repository_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.splitlines()
    return [f for f in listed if (REPO / f).is_file()]


@pytest.fixture(scope="module")
def context_files() -> list[str]:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    patterns = _ignore_patterns()
    return [f for f in _repository_files() if _in_context(f, patterns)]


def test_dockerignore_keeps_secrets_and_clutter_out(context_files: list[str]) -> None:
    patterns = _ignore_patterns()
    for path in (
        ".git/config",
        ".venv/bin/python",
        ".ideapaja/dev-issuer/private.pem",
        "services/intake/.venv/lib/x.py",
        "runtime/src/ideapaja_runtime/__pycache__/x.pyc",
        ".pytest_cache/v/cache",
        ".ruff_cache/x",
        ".mypy_cache/x",
        "deploy/dev-keys/auth-public-key.pem",
        "deploy/kubernetes/intake.yaml",
        "tests/deploy/test_compose.py",
        "ideapaja.db",
    ):
        assert not _in_context(path, patterns), f"{path} would be sent to the Docker build"
    for path in (
        "pyproject.toml",
        "uv.lock",
        "runtime/src/ideapaja_runtime/serve.py",
        "deploy/docker/entrypoint.sh",
        "deploy/docker/healthcheck.py",
    ):
        assert _in_context(path, patterns), f"{path} is needed by the build"
    assert "uv.lock" in context_files


def _arg_default(name: str) -> str:
    line = next(i for i in _instructions() if i.startswith(f"ARG {name}="))
    return line.split("=", 1)[1]


def _install_script(venv: Path) -> str:
    """The shell of the Dockerfile's install step, with /app/.venv moved to ``venv``."""
    run = next(i for i in _instructions() if i.startswith("RUN ") and "uv sync" in i)
    script = re.sub(r"^RUN\s+(--\S+\s+)*", "", run)
    return script.replace("/app/.venv", str(venv))


@functools.cache
def _uv_dir() -> Path:
    """A directory with a ``uv`` command: the one bootstrap.py uses (PATH, ``python -m uv`` or
    its private .tools/uv), so this test runs wherever the README's install step ran."""
    spec = importlib.util.spec_from_file_location("bootstrap", REPO / "scripts" / "bootstrap.py")
    assert spec is not None and spec.loader is not None
    bootstrap = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bootstrap)
    command: list[str] = bootstrap.find_uv()
    # Only ``uv`` in it: .tools/uv/bin also holds a python, which must not shadow the system's.
    shim_dir = Path(tempfile.mkdtemp(prefix="ideapaja-uv-"))
    shim = shim_dir / "uv"
    shim.write_text("#!/bin/sh\nexec " + " ".join(command) + ' "$@"\n')
    shim.chmod(0o755)
    return shim_dir


def _run_install_step(
    image_root: Path, service: str, venv: Path
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        # The build stage's ENV, with the environment moved out of /app.
        "UV_PROJECT_ENVIRONMENT": str(venv),
        "UV_PYTHON": sys.executable,
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_LINK_MODE": "copy",
        # Its ARGs.
        "SERVICE": service,
        "PACKAGE": f"ideapaja-{service}",
        "EXTRA_PACKAGES": _arg_default("EXTRA_PACKAGES"),
    }
    env.pop("VIRTUAL_ENV", None)
    # The image has uv on PATH; here it is wherever scripts/bootstrap.py found or put it.
    env["PATH"] = f"{_uv_dir()}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        ["sh", "-c", _install_script(venv)],
        cwd=image_root / "src",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_install_step_needs_a_service(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    result = _run_install_step(tmp_path, "", tmp_path / "venv")
    assert result.returncode != 0
    assert "--build-arg SERVICE=" in result.stderr


@pytest.fixture(scope="module")
def image_root(
    context_files: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """`COPY . .` into a temp dir, then the Dockerfile's front-end assets step."""
    root = tmp_path_factory.mktemp("image")
    source = root / "src"
    for name in context_files:
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    # The portal's vendor folder is git-ignored but not docker-ignored: a checkout's copy is sent
    # with the build context, and the step then finds it up to date (no download here).
    vendor = PORTAL_ASSETS.parent / json.loads(PORTAL_ASSETS.read_text())["target"]
    if vendor.is_dir():
        shutil.copytree(vendor, source / vendor.relative_to(REPO), dirs_exist_ok=True)
    step = next(i for i in _instructions() if i.startswith("RUN ") and ASSETS_SCRIPT in i)
    result = subprocess.run(
        ["sh", "-c", re.sub(r"^RUN\s+(--\S+\s+)*", "", step).replace("python3", sys.executable)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    yield root


def _build(image_root: Path, service: str) -> Path:
    venv = image_root / f"venv-{service}"
    result = _run_install_step(image_root, service, venv)
    assert result.returncode == 0, result.stderr
    return venv


@pytest.fixture
def auth_key(tmp_path: Path) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "auth_public_key"
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def _probe(venv: Path, env: dict[str, str], path: str) -> int:
    return subprocess.run(
        [str(venv / "bin" / "python"), str(HEALTHCHECK), path],
        env=env,
        capture_output=True,
        timeout=30,
    ).returncode


# Seven builds and seven services started one after another: over the default 300 s on a busy
# 2-core machine (measured 350 s at load 16), so this one test gets more.
@pytest.mark.timeout(900)
def test_image_environment_runs_each_service(
    image_root: Path,
    installed_services: dict[str, Any],
    nats_url: str,
    auth_key: Path,
    tmp_path: Path,
) -> None:
    for service in installed_services:
        venv = _build(image_root, service)
        # The Dockerfile's check that SERVICE names an installed service.
        installed = subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "from importlib.metadata import entry_points as e;"
                "print(sorted(p.name for p in e(group='ideapaja.services')))",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert service in installed.stdout, installed
        assert (venv / "bin" / "ideapaja").exists(), "the runner's command is in the image"
        module = subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                f"import ideapaja_{service}, ideapaja_runtime as r;"
                f"print(ideapaja_{service}.__file__, r.__file__)",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        for path in module.stdout.split():
            assert Path(path).is_relative_to(venv), "installed into the image, not linked to src"
        if service == "portal":
            package = Path(module.stdout.split()[0]).parent
            for data in ("static/vendor/htmx.min.js", "static/portal.css", "templates/base.html",
                         "locale/fi/LC_MESSAGES/messages.po"):  # fmt: skip
                assert (package / data).is_file(), f"the portal's image lacks {data}"

        prefix = f"IDEAPAJA_{service.upper()}_"
        port = free_port()
        # The image's WORKDIR and HOME: the container's root file system is read-only, so the
        # service must not write there (nor into its environment).
        app_dir = tmp_path / f"{service}-app"
        app_dir.mkdir()
        venv_files = {p for p in venv.rglob("*")}
        env = {
            "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(app_dir),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            "IDEAPAJA_SERVICE": service,
            prefix + "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / service}.db",
            prefix + "NATS_URL": nats_url,
            prefix + "HTTP_PORT": str(port),
            prefix + "AUTH_PUBLIC_KEY_FILE": str(auth_key),
        }
        assert _probe(venv, env, "/healthz") == 1, "nothing listens yet"
        with (tmp_path / f"{service}.log").open("wb") as log:
            process = subprocess.Popen(
                ["sh", str(ENTRYPOINT)],
                env=env,
                cwd=app_dir,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        try:
            deadline = time.monotonic() + 60
            while _probe(venv, env, "/readyz") != 0:
                assert process.poll() is None, (tmp_path / f"{service}.log").read_text()
                assert time.monotonic() < deadline, f"{service} not ready in 60 s"
                time.sleep(0.5)
            assert _probe(venv, env, "/healthz") == 0
        finally:
            process.terminate()
            process.wait(timeout=30)
        log_text = (tmp_path / f"{service}.log").read_text()
        # Graceful stop on SIGTERM (uvicorn re-raises the signal once it has shut down).
        assert process.returncode in (0, -signal.SIGTERM), log_text
        assert "service_stopped" in log_text, f"{service}: no graceful shutdown\n{log_text}"
        assert not list(app_dir.iterdir()), f"{service} wrote into its working directory"
        assert {p for p in venv.rglob("*")} == venv_files, f"{service} wrote into /app/.venv"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(503 if self.path == "/readyz" else 200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_service() -> Iterator[int]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_healthcheck_script(fake_service: int) -> None:
    env = {
        **os.environ,
        "IDEAPAJA_SERVICE": "sample-svc",
        "IDEAPAJA_SAMPLE_SVC_HTTP_PORT": str(fake_service),
    }
    run = [sys.executable, str(HEALTHCHECK)]
    assert subprocess.run(run, env=env, timeout=30).returncode == 0
    assert subprocess.run([*run, "/healthz"], env=env, timeout=30).returncode == 0
    assert (
        subprocess.run([*run, "/readyz"], env=env, capture_output=True, timeout=30).returncode == 1
    )
    env["IDEAPAJA_SAMPLE_SVC_HTTP_PORT"] = str(free_port())
    assert subprocess.run(run, env=env, capture_output=True, timeout=30).returncode == 1


def _fake_python(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python"
    fake.write_text('#!/bin/sh\necho "python $* host=$IDEAPAJA_REVIEW_HTTP_HOST"\n')
    fake.chmod(0o755)
    return {"PATH": f"{bin_dir}:/usr/bin:/bin"}


@pytest.mark.parametrize("args", [[], ["serve"]])
def test_entrypoint_serves_the_image_service(tmp_path: Path, args: list[str]) -> None:
    env = {**_fake_python(tmp_path), "IDEAPAJA_SERVICE": "review"}
    out = subprocess.run(
        ["sh", str(ENTRYPOINT), *args], env=env, capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "python -m ideapaja_runtime.serve review host=0.0.0.0"
    env["IDEAPAJA_REVIEW_HTTP_HOST"] = "127.0.0.1"
    out = subprocess.run(
        ["sh", str(ENTRYPOINT)], env=env, capture_output=True, text=True, timeout=30
    )
    assert out.stdout.strip().endswith("host=127.0.0.1"), "a configured host is kept"


def test_entrypoint_runs_other_commands_and_needs_a_service(tmp_path: Path) -> None:
    env = {**_fake_python(tmp_path), "IDEAPAJA_SERVICE": "review"}
    out = subprocess.run(
        ["sh", str(ENTRYPOINT), "echo", "dlq"], env=env, capture_output=True, text=True, timeout=30
    )
    assert out.stdout.strip() == "dlq"
    del env["IDEAPAJA_SERVICE"]
    out = subprocess.run(
        ["sh", str(ENTRYPOINT)], env=env, capture_output=True, text=True, timeout=30
    )
    assert out.returncode != 0
    assert "SERVICE" in out.stderr
