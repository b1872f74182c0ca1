"""deploy/: the Helm chart and the compose file, checked the way their tools check them.

* The chart is linted (`helm lint --strict`) and rendered (`helm template`) by Helm's own engine: its Go SDK,
  shipped in the `helm-python-sdk` wheel. Every rendered manifest is validated against the Kubernetes API's
  schemas (`kubernetes-validate`, strict: an unknown field fails), then read for what the chart promises.
* The compose file is parsed and validated by a Compose-specification parser (`compose-spec`, the Rust
  `compose_spec` crate), plus the cross-references `docker compose config` checks (services in `depends_on`,
  named volumes).
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from compose_spec import PyCompose
from helm_python import chart as helm

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "herald"
COMPOSE = ROOT / "deploy" / "compose.yaml"
KUBERNETES = "1.30.0"  # the oldest minor the chart is checked against (networking.k8s.io/v1 Ingress, batch/v1 Job)
RELEASE = "prod"

TLS_AND_KEY = {
    "temporal": {
        "address": "herald.a1b2c.tmprl.cloud:7233",
        "namespace": "herald.a1b2c",
        "tls": {"secretName": "temporal-mtls"},
        "apiKey": {"secretName": "temporal-cloud", "secretKey": "api-key"},
    },
    "ingress": {
        "enabled": True,
        "className": "nginx",
        "hosts": [{"host": "herald.acme.io", "paths": [{"path": "/", "pathType": "Prefix"}]}],
        "tls": [{"secretName": "herald-tls", "hosts": ["herald.acme.io"]}],
    },
    "image": {"repository": "registry.acme.io/herald", "tag": "0.1.0-rc1"},
}


def render(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """`helm template prod deploy/helm/herald` with these values: every manifest, each checked against the
    Kubernetes schemas."""
    with helm.Chart.load(CHART) as loaded:
        rendered = loaded.render(values, name=RELEASE, namespace="herald", is_install=True)
    manifests = [
        doc
        for name, text in sorted(rendered.items())
        if name.endswith((".yaml", ".yml"))
        for doc in yaml.safe_load_all(text)
        if doc
    ]
    for manifest in manifests:
        try:
            kubernetes_validate.validate(manifest, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as err:
            where = "/".join(map(str, err.absolute_path))
            pytest.fail(f"{manifest['kind']} {manifest['metadata']['name']}: {where}: {err.message}")
    return manifests


def one(manifests: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    [found] = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    return found


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def containers(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    pod = manifest["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


# ---------------------------------------------------------------------------------------------------- Helm


@pytest.mark.parametrize("values", [None, TLS_AND_KEY], ids=["defaults", "tls-api-key-ingress"])
def test_helm_lint_is_clean(values: dict[str, Any] | None) -> None:
    report = helm.lint(CHART, values, strict=True, kube_version=f"v{KUBERNETES}")
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []  # 2 warning, 3 error


def test_migrations_and_init_run_once_in_a_pre_upgrade_hook_job() -> None:
    manifests = render()
    job = one(manifests, "Job", f"{RELEASE}-herald-migrations")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert [(c["name"], c["args"]) for c in containers(job)] == [("db-upgrade", ["db", "upgrade"]), ("init", ["init"])]
    for deployment in (m for m in manifests if m["kind"] == "Deployment"):
        # Not in every replica: no Deployment runs a migration (or anything) before its container.
        assert "initContainers" not in deployment["spec"]["template"]["spec"], deployment["metadata"]["name"]
        assert all(c["args"][0] not in ("db", "init") for c in containers(deployment))


def test_a_hook_job_registers_the_search_attributes() -> None:
    job = one(render(), "Job", f"{RELEASE}-herald-temporal-setup")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    [container] = containers(job)
    assert container["args"] == ["temporal", "setup"]
    assert env_of(container)["TEMPORAL_NAMESPACE"] == "default"


def test_api_readiness_checks_the_database_and_temporal_liveness_is_cheap() -> None:
    manifests = render()
    [api] = one(manifests, "Deployment", f"{RELEASE}-herald-api")["spec"]["template"]["spec"]["containers"]
    assert api["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert api["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert api["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    for name in ("api", "worker"):  # a rollout adds a pod before it removes one
        strategy = one(manifests, "Deployment", f"{RELEASE}-herald-{name}")["spec"]["strategy"]
        assert strategy["rollingUpdate"]["maxUnavailable"] == 0


def test_the_image_is_the_charts_app_version_unless_overridden() -> None:
    with helm.Chart.load(CHART) as loaded:
        app_version = loaded.metadata["appVersion"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert app_version == project["version"]  # the image of this Herald is tagged with its version
    for manifests, image in (
        (render(), f"herald:{app_version}"),
        (render(TLS_AND_KEY), "registry.acme.io/herald:0.1.0-rc1"),
    ):
        workloads = [m for m in manifests if m["kind"] in ("Deployment", "Job")]
        assert len(workloads) == 4
        assert {c["image"] for m in workloads for c in containers(m)} == {image}


def test_no_ingress_unless_enabled_then_it_routes_to_the_api_service() -> None:
    assert [m for m in render() if m["kind"] == "Ingress"] == []
    manifests = render(TLS_AND_KEY)
    ingress = one(manifests, "Ingress", f"{RELEASE}-herald")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"secretName": "herald-tls", "hosts": ["herald.acme.io"]}]
    [rule] = ingress["spec"]["rules"]
    assert rule["host"] == "herald.acme.io"
    [path] = rule["http"]["paths"]
    assert path["backend"]["service"] == {"name": f"{RELEASE}-herald-api", "port": {"name": "http"}}
    service = one(manifests, "Service", f"{RELEASE}-herald-api")
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_temporal_mtls_ca_and_api_key_reach_every_herald_container() -> None:
    manifests = render(TLS_AND_KEY)
    workloads = [m for m in manifests if m["kind"] in ("Deployment", "Job")]
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        assert {"name": "temporal-tls", "secret": {"secretName": "temporal-mtls"}} in pod["volumes"]
        for container in containers(workload):
            env = env_of(container)
            assert env["TEMPORAL_ADDRESS"] == "herald.a1b2c.tmprl.cloud:7233"
            assert env["TEMPORAL_NAMESPACE"] == "herald.a1b2c"
            assert env["TEMPORAL_TLS"] == "true"
            assert env["TEMPORAL_TLS_CERT"] == "/etc/temporal-tls/tls.crt"
            assert env["TEMPORAL_TLS_KEY"] == "/etc/temporal-tls/tls.key"
            assert env["TEMPORAL_TLS_CA"] == "/etc/temporal-tls/ca.crt"
            assert env["TEMPORAL_API_KEY"] == {"secretKeyRef": {"name": "temporal-cloud", "key": "api-key"}}
            assert container["envFrom"] == [{"secretRef": {"name": "herald"}}]
            mounts = {m["name"]: m for m in container["volumeMounts"]}
            assert mounts["temporal-tls"] == {
                "name": "temporal-tls",
                "mountPath": "/etc/temporal-tls",
                "readOnly": True,
            }
    defaults = render()
    for workload in (m for m in defaults if m["kind"] in ("Deployment", "Job")):
        for container in containers(workload):
            assert not {"TEMPORAL_TLS", "TEMPORAL_TLS_CERT", "TEMPORAL_API_KEY"} & env_of(container).keys()


def test_a_ca_alone_is_server_verification_without_a_client_certificate() -> None:
    values = {"temporal": {"tls": {"secretName": "temporal-ca", "certKey": "", "keyKey": ""}}}
    [worker] = one(render(values), "Deployment", f"{RELEASE}-herald-worker")["spec"]["template"]["spec"]["containers"]
    env = env_of(worker)
    assert env["TEMPORAL_TLS_CA"] == "/etc/temporal-tls/ca.crt"
    assert "TEMPORAL_TLS_CERT" not in env and "TEMPORAL_TLS_KEY" not in env


def test_the_worker_serves_its_metrics_for_scraping_and_has_a_shutdown_time() -> None:
    worker = one(render(), "Deployment", f"{RELEASE}-herald-worker")["spec"]["template"]
    [container] = worker["spec"]["containers"]
    env = env_of(container)
    assert env["HERALD_WORKER_METRICS_PORT"] == "9102"
    assert container["ports"] == [{"name": "metrics", "containerPort": 9102}]
    assert worker["metadata"]["annotations"] == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "9102",
        "prometheus.io/path": "/metrics",
    }
    # Running activities get their time to finish before Kubernetes kills the pod.
    assert int(env["HERALD_WORKER_SHUTDOWN_SECONDS"]) < worker["spec"]["terminationGracePeriodSeconds"]

    off = one(render({"worker": {"metricsPort": None}}), "Deployment", f"{RELEASE}-herald-worker")["spec"]["template"]
    [container] = off["spec"]["containers"]
    assert "HERALD_WORKER_METRICS_PORT" not in env_of(container) and "ports" not in container
    assert "annotations" not in off["metadata"]


# ---------------------------------------------------------------------------------------------------- compose


def compose_document() -> dict[str, Any]:
    text = COMPOSE.read_text()
    PyCompose.from_yaml(text).validate()  # raises ValueError naming the field the specification refuses
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def test_the_compose_file_is_valid_and_its_references_resolve() -> None:
    document = compose_document()
    services: dict[str, dict[str, Any]] = document["services"]
    for name, service in services.items():
        needs = service.get("depends_on", {})
        assert set(needs) <= set(services), f"{name} depends on {set(needs) - set(services)}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in document.get("volumes", {}), f"{name} mounts the undeclared volume {source}"


def test_compose_runs_a_current_temporal_cluster_and_every_herald_process() -> None:
    services = compose_document()["services"]
    images = {name: service.get("image", "") for name, service in services.items()}
    assert not any("temporalio/auto-setup" in image for image in images.values())  # deprecated
    assert images["temporal"].startswith("temporalio/server:")
    assert images["temporal-ui"].startswith("temporalio/ui:")
    assert services["temporal"]["environment"]["DB"] == "postgres12"
    assert services["temporal"]["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"
    herald = {name: s for name, s in services.items() if s.get("image", "").startswith("herald:")}
    commands = {name: s.get("command") for name, s in herald.items()}
    assert commands == {
        "temporal-setup": ["temporal", "setup"],
        "migrate": ["db", "upgrade"],
        "init": ["init"],
        "worker": ["worker"],
        "api": None,  # the image's default: `herald api`, which serves the console too
    }
    assert "readyz" in " ".join(services["api"]["healthcheck"]["test"])
    assert services["api"]["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert services["worker"]["depends_on"]["init"]["condition"] == "service_completed_successfully"
    worker = services["worker"]
    assert worker["environment"]["HERALD_WORKER_METRICS_PORT"] == "9102"
    assert worker["expose"] == ["9102"] and worker["labels"]["prometheus.io/port"] == "9102"
    shutdown = int(worker["environment"]["HERALD_WORKER_SHUTDOWN_SECONDS"])
    assert shutdown < int(worker["stop_grace_period"].removesuffix("s"))
    # Herald's and Temporal's databases are separate servers: each is backed up and restored on its own.
    assert {"postgres", "temporal-postgres"} <= set(services)


def test_the_checks_refuse_a_broken_chart_and_a_broken_compose_file(tmp_path: Path) -> None:
    """The lint and the parser above can fail: a template that does not parse, a misspelt compose key."""
    broken = tmp_path / "herald"
    shutil.copytree(CHART, broken)
    (broken / "templates" / "worker.yaml").write_text("{{ if .Values.worker }}\nkind: Deployment\n")  # no end
    report = helm.lint(broken, strict=True)
    assert any(m["severity"] == 3 for m in report["messages"]), report
    misspelt = COMPOSE.read_text().replace("    healthcheck:", "    helthcheck:", 1)
    with pytest.raises(ValueError, match="helthcheck"):
        PyCompose.from_yaml(misspelt).validate()
    with pytest.raises(kubernetes_validate.ValidationError, match="replica"):
        kubernetes_validate.validate(
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {"replica": 2}},
            KUBERNETES,
            strict=True,
        )
