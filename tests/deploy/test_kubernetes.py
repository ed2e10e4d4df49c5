"""deploy/kubernetes: manifests parse, Deployments are probed and configured with real settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
KUBERNETES = REPO / "deploy" / "kubernetes"

Documents = dict[Path, list[dict[str, Any]]]


def _of_kind(documents: Documents, kind: str) -> list[dict[str, Any]]:
    return [doc for docs in documents.values() for doc in docs if doc.get("kind") == kind]


def _deployments(documents: Documents) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in _of_kind(documents, "Deployment")}


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, deployment["metadata"]["name"]
    return containers[0]


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container.get("env", [])}


def test_every_manifest_parses(kubernetes_documents: Documents) -> None:
    for path, documents in kubernetes_documents.items():
        if path.name == "kustomization.yaml":
            continue
        assert documents, f"{path.name} is empty"
        for doc in documents:
            assert {"apiVersion", "kind", "metadata"} <= set(doc), f"{path.name}: {doc}"
            assert doc["metadata"].get("name"), f"{path.name}: a {doc['kind']} without a name"


def test_kustomization_lists_existing_files(kubernetes_documents: Documents) -> None:
    (kustomization,) = kubernetes_documents[KUBERNETES / "kustomization.yaml"]
    resources = kustomization["resources"]
    for resource in resources:
        assert (KUBERNETES / resource).is_file(), resource
    listed = set(resources)
    for path in kubernetes_documents:
        if path.name not in {"kustomization.yaml", "secrets.example.yaml"}:
            assert path.name in listed, f"{path.name} is not in kustomization.yaml"
    assert "secrets.example.yaml" not in listed, "example secrets must never be applied"
    images = {image["name"] for image in kustomization.get("images", [])}
    for name, deployment in _deployments(kubernetes_documents).items():
        image = _container(deployment)["image"].rsplit(":", 1)[0]
        assert image in images, f"{name}: image {image} is not mapped in kustomization.yaml"


def test_manifests_match_the_kubernetes_schemas(kubernetes_documents: Documents) -> None:
    validate = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate not installed"
    )
    version = validate.latest_version()
    for path, documents in kubernetes_documents.items():
        if path.name == "kustomization.yaml":
            continue
        for doc in documents:
            validate.validate(doc, version, strict=True)


def test_each_deployment_has_probes_and_limits(kubernetes_documents: Documents) -> None:
    deployments = _deployments(kubernetes_documents)
    assert deployments, "no Deployment in deploy/kubernetes"
    for name, deployment in deployments.items():
        spec = deployment["spec"]
        assert spec["replicas"] >= 2, f"{name}: run at least two replicas"
        container = _container(deployment)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        for probe, path in (
            ("readinessProbe", "/readyz"),
            ("livenessProbe", "/healthz"),
            ("startupProbe", "/healthz"),
        ):
            assert probe in container, f"{name}: no {probe}"
            get = container[probe]["httpGet"]
            assert get["path"] == path, f"{name}: {probe} on {get['path']}"
            assert get["port"] in ports or get["port"] in ports.values(), f"{name}: {probe} port"
        resources = container["resources"]
        assert resources["requests"]["cpu"] and resources["requests"]["memory"]
        assert resources["limits"]["memory"]
        pod = spec["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == 10001, "the image's user"
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert any(m["mountPath"] == "/tmp" for m in container["volumeMounts"])
        labels = spec["template"]["metadata"]["labels"]
        assert spec["selector"]["matchLabels"].items() <= labels.items()


def test_each_deployment_has_a_service_and_disruption_budget(
    kubernetes_documents: Documents,
) -> None:
    services = {s["metadata"]["name"]: s for s in _of_kind(kubernetes_documents, "Service")}
    budgets = {b["metadata"]["name"] for b in _of_kind(kubernetes_documents, "PodDisruptionBudget")}
    for name, deployment in _deployments(kubernetes_documents).items():
        assert name in services, f"no Service for {name}"
        assert name in budgets, f"no PodDisruptionBudget for {name}"
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert services[name]["spec"]["selector"].items() <= labels.items()
        port_names = {p["name"] for p in _container(deployment)["ports"]}
        for port in services[name]["spec"]["ports"]:
            assert port["targetPort"] in port_names


def test_deployments_are_the_installed_services(
    kubernetes_documents: Documents, installed_services: dict[str, Any]
) -> None:
    deployments = set(_deployments(kubernetes_documents))
    assert deployments <= set(installed_services), (
        f"Deployments without an installed service: {sorted(deployments - set(installed_services))}"
    )
    missing = sorted(set(installed_services) - deployments)
    assert not missing, f"installed services without a Deployment: {missing}"


def test_deployment_env_is_real_settings(
    kubernetes_documents: Documents, installed_services: dict[str, Any]
) -> None:
    for name, deployment in _deployments(kubernetes_documents).items():
        known = installed_services[name]
        env = _env(_container(deployment))
        unknown = sorted(k for k in env if k.startswith("IDEAPAJA_") and k not in known.env_names)
        assert not unknown, f"{name}: sets {unknown}, which its settings do not read"
        missing = sorted(known.required_env() - set(env))
        assert not missing, f"{name}: does not set {missing}"
        port = env[known.env("http_port")]["value"]
        assert _container(deployment)["ports"][0]["containerPort"] == int(port)
        assert env[known.env("http_host")]["value"] == "0.0.0.0"


def test_secrets_come_from_secrets(
    kubernetes_documents: Documents, installed_services: dict[str, Any]
) -> None:
    """Database URLs (with passwords) and SecretStr settings are never literal in a manifest."""
    for name, deployment in _deployments(kubernetes_documents).items():
        known = installed_services[name]
        sensitive = {"database_url", "nats_password"} | known.secret_fields
        env = _env(_container(deployment))
        for field in sensitive:
            item = env.get(known.env(field))
            if item is not None:
                assert "secretKeyRef" in item.get("valueFrom", {}), (
                    f"{name}: {item['name']} must come from a Secret"
                )


def test_config_map_keys_exist(kubernetes_documents: Documents) -> None:
    config_maps = {c["metadata"]["name"]: c for c in _of_kind(kubernetes_documents, "ConfigMap")}
    for name, deployment in _deployments(kubernetes_documents).items():
        for item in _env(_container(deployment)).values():
            ref = item.get("valueFrom", {}).get("configMapKeyRef")
            if ref is not None:
                assert ref["key"] in config_maps[ref["name"]]["data"], f"{name}: {ref}"
    assert config_maps["ideapaja-config"]["data"]["stream-replicas"] == "3"


def test_nats_statefulset(kubernetes_documents: Documents) -> None:
    (nats,) = [s for s in _of_kind(kubernetes_documents, "StatefulSet")]
    spec = nats["spec"]
    assert spec["replicas"] == 3
    assert spec["podManagementPolicy"] == "Parallel"
    container = spec["template"]["spec"]["containers"][0]
    assert "healthz" in container["livenessProbe"]["httpGet"]["path"]
    assert "healthz" in container["readinessProbe"]["httpGet"]["path"]
    assert spec["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
    headless = next(
        s
        for s in _of_kind(kubernetes_documents, "Service")
        if s["metadata"]["name"] == spec["serviceName"]
    )
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["publishNotReadyAddresses"] is True


def test_nats_users_and_their_passwords(
    kubernetes_documents: Documents, installed_services: dict[str, Any]
) -> None:
    """Each Deployment logs in to NATS as its own user, with the Secret key the NATS servers
    read that user's password from; every password the config refers to is set."""
    from ideapaja_runner import deploy_users
    from ideapaja_runtime.nats_permissions import password_env

    (nats,) = _of_kind(kubernetes_documents, "StatefulSet")
    server_env = _env(nats["spec"]["template"]["spec"]["containers"][0])
    wanted = deploy_users.password_variables(deploy_users.installed_services())
    assert sorted(k for k in server_env if k.endswith("_PASSWORD")) == sorted(wanted)
    for variable in wanted:
        assert "secretKeyRef" in server_env[variable]["valueFrom"], variable
    for name, deployment in _deployments(kubernetes_documents).items():
        known = installed_services[name]
        env = _env(_container(deployment))
        assert env[known.env("nats_user")]["value"] == name
        client = env[known.env("nats_password")]["valueFrom"]["secretKeyRef"]
        server = server_env[password_env(name)]["valueFrom"]["secretKeyRef"]
        assert client == server, f"{name}: logs in with {client}, NATS expects {server}"
        assert client["name"] == f"ideapaja-{name}", "a service reads only its own Secret"


def test_example_secrets_have_the_nats_keys(kubernetes_documents: Documents) -> None:
    secrets = {
        s["metadata"]["name"]: s
        for s in kubernetes_documents[KUBERNETES / "secrets.example.yaml"]
        if s["kind"] == "Secret"
    }
    (nats,) = _of_kind(kubernetes_documents, "StatefulSet")
    for item in _env(nats["spec"]["template"]["spec"]["containers"][0]).values():
        ref = item.get("valueFrom", {}).get("secretKeyRef")
        if ref is not None:
            assert ref["key"] in secrets[ref["name"]]["stringData"], ref
