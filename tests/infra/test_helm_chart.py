"""The Helm chart (infra/helm/vitrine), rendered by Helm's own engine and checked against the
Kubernetes schemas.

There is no `helm` binary to download here: helm-python-sdk (PyPI) bundles Helm 4's Go library,
so `helm template` and `helm lint` run in-process; kubernetes-validate (PyPI) holds the schemas of
each Kubernetes version.
"""

from __future__ import annotations

import configparser
from pathlib import Path

import helm_python as helm
import kubernetes_validate
import pytest
import yaml
from django.urls import resolve

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "infra" / "helm" / "vitrine"
KUBERNETES_VERSIONS = ["1.29.0", kubernetes_validate.latest_version()]  # the oldest supported cluster and the newest


def render(values: dict | None = None) -> list[dict]:
    with helm.Chart.load(str(CHART)) as chart:
        files = chart.render(values or {}, name="vitrine", namespace="marketplace")
    documents = [
        document
        for name, text in sorted(files.items())
        if name.endswith(".yaml")
        for document in yaml.safe_load_all(text)
        if document
    ]
    assert documents
    return documents


def find(documents: list[dict], kind: str, name: str) -> dict:
    (found,) = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def containers(documents: list[dict]) -> list[tuple[str, dict]]:
    pods = [d["spec"]["template"]["spec"] for d in documents if d["kind"] in ("Deployment", "Job")]
    return [(container["name"], container) for pod in pods for container in pod["containers"]]


@pytest.mark.parametrize(
    "values",
    [
        {},
        {
            "web": {"autoscaling": {"enabled": False}},
            "pgbouncer": {"enabled": False},
            "ingress": {"customDomains": [{"host": "achetez.metz.fr", "tlsSecret": "achetez-metz-fr-tls"}]},
            "media": {"existingClaim": "vitrine-media"},
        },
    ],
    ids=["defaults", "no-autoscaling-no-pgbouncer-custom-domain"],
)
def test_every_rendered_manifest_is_valid_kubernetes(values):
    # given the chart rendered with these values
    documents = render(values)

    # then each object is valid for the oldest and the newest Kubernetes, unknown fields refused
    for version in KUBERNETES_VERSIONS:
        for document in documents:
            kubernetes_validate.validate(document, version, strict=True)


def test_helm_lint_finds_no_error():
    result = helm.lint(str(CHART), strict=True)

    assert result["errors"] == [] and result["total_charts_linted"] == 1, result


def test_the_chart_runs_web_worker_one_beat_migrations_and_pgbouncer_with_secrets_it_does_not_make():
    documents = render()
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in documents)

    # then the pieces the issue lists, and no Secret: the chart reads existing ones
    assert kinds == [
        ("ConfigMap", "vitrine-pgbouncer"),
        ("Deployment", "vitrine-beat"),
        ("Deployment", "vitrine-pgbouncer"),
        ("Deployment", "vitrine-web"),
        ("Deployment", "vitrine-worker"),
        ("HorizontalPodAutoscaler", "vitrine-web"),
        ("Ingress", "vitrine"),
        ("Job", "vitrine-migrate"),
        ("PodDisruptionBudget", "vitrine-web"),
        ("Service", "vitrine-pgbouncer"),
        ("Service", "vitrine-web"),
    ]
    # web scales with the autoscaler (no fixed replica count to fight it)
    web = find(documents, "Deployment", "vitrine-web")
    assert "replicas" not in web["spec"]
    assert find(documents, "HorizontalPodAutoscaler", "vitrine-web")["spec"]["scaleTargetRef"]["name"] == "vitrine-web"
    # exactly one beat, the old one stopped before a new one starts
    beat = find(documents, "Deployment", "vitrine-beat")
    assert beat["spec"]["replicas"] == 1 and beat["spec"]["strategy"] == {"type": "Recreate"}
    # migrations: a hook before install and upgrade, straight to PostgreSQL
    job = find(documents, "Job", "vitrine-migrate")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    (migrate,) = job["spec"]["template"]["spec"]["containers"]
    assert migrate["command"] + migrate["args"] == ["python", "manage.py", "migrate_schemas"]
    database = [e for e in migrate["env"] if e["name"] == "DATABASE_URL"]
    assert database == [
        {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "vitrine", "key": "DATABASE_DIRECT_URL"}}}
    ]
    # every application container reads the existing Secret, runs as the image's user, read-only
    for name, container in containers(documents):
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False, name
        if name != "pgbouncer":
            assert container["envFrom"] == [{"secretRef": {"name": "vitrine"}}], name
    assert {
        d["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
        for d in documents
        if "template" in d.get("spec", {})
    } == {10001}


def test_web_probes_ask_the_applications_own_health_checks():
    web = find(render(), "Deployment", "vitrine-web")
    (container,) = web["spec"]["template"]["spec"]["containers"]

    # then liveness and start-up ask /livez (a database outage restarts nothing), readiness /healthz
    assert container["startupProbe"]["httpGet"]["path"] == "/livez"
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    # on the internal port, which only probes and Prometheus reach: the Service forwards http alone
    assert container["ports"] == [{"name": "http", "containerPort": 8000}, {"name": "internal", "containerPort": 9100}]
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["port"] == "internal"
    service = find(render(), "Service", "vitrine-web")
    assert [port["targetPort"] for port in service["spec"]["ports"]] == ["http"]
    annotations = web["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == "9100" and annotations["prometheus.io/path"] == "/metrics"
    # the same port the image's gunicorn listens on and the application takes as internal
    dockerfile = (ROOT / "infra" / "Dockerfile").read_text()
    assert "VITRINE_INTERNAL_PORT=9100" in dockerfile and "--bind 0.0.0.0:${VITRINE_INTERNAL_PORT}" in dockerfile
    # and those paths are the application's, answered on any host (the probe's Host is the pod's address)
    from vitrine.tenancy.middleware import HOSTLESS_PATHS

    for path in ("/livez", "/healthz"):
        assert path in HOSTLESS_PATHS
        assert resolve(path, urlconf="vitrine.config.urls_public").url_name == path.strip("/")


def test_ingress_serves_the_wildcard_the_console_and_each_custom_domain():
    documents = render({"ingress": {"customDomains": [{"host": "achetez.metz.fr", "tlsSecret": "metz-tls"}]}})
    ingress = find(documents, "Ingress", "vitrine")

    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
    assert hosts == ["vitrine.example.fr", "console.vitrine.example.fr", "*.vitrine.example.fr", "achetez.metz.fr"]
    assert {rule["http"]["paths"][0]["backend"]["service"]["name"] for rule in ingress["spec"]["rules"]} == {
        "vitrine-web"
    }
    assert ingress["spec"]["tls"] == [
        {
            "hosts": ["vitrine.example.fr", "console.vitrine.example.fr", "*.vitrine.example.fr"],
            "secretName": "vitrine-wildcard-tls",
        },
        {"hosts": ["achetez.metz.fr"], "secretName": "metz-tls"},
    ]


def test_the_charts_pgbouncer_pools_as_the_shipped_example_does():
    # given the chart's pgbouncer.ini and the example infra/pgbouncer.ini
    config_map = find(render(), "ConfigMap", "vitrine-pgbouncer")
    chart_ini = configparser.ConfigParser()
    chart_ini.read_string(config_map["data"]["pgbouncer.ini"])
    example = configparser.ConfigParser(inline_comment_prefixes=(";",))
    example.read(ROOT / "infra" / "pgbouncer.ini")

    # then session pooling, and every setting the same but where the deployment differs
    assert chart_ini["pgbouncer"]["pool_mode"] == "session"
    sized_here = {"unix_socket_dir", "auth_file", "default_pool_size", "max_db_connections"}
    assert {k: v for k, v in chart_ini["pgbouncer"].items() if k not in sized_here} == {
        k: v for k, v in example["pgbouncer"].items() if k not in sized_here
    }


def test_the_chart_refuses_to_render_without_a_domain_or_a_secret():
    for values, message in (
        ({"baseDomain": ""}, "baseDomain is required"),
        ({"existingSecret": ""}, "existingSecret is required"),
    ):
        with pytest.raises(helm.HelmError, match=message):
            render(values)
