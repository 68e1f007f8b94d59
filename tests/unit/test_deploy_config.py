"""The deployment files agree: compose, Dockerfiles, gateway, Kubernetes template and production settings."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from tandem_shared.settings import SERVICES, PlatformSettings, ServiceSettings, service_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
NGINX = ROOT / "deploy" / "gateway" / "nginx.conf"
INIT_SQL = ROOT / "deploy" / "postgres" / "init-databases.sql"
README = ROOT / "deploy" / "README.md"
K8S = ROOT / "deploy" / "k8s"
HOST_PORTS = {"portfolio": 8001, "capacity": 8002, "change": 8003, "knowledge": 8004, "metrics": 8005}
# What an operator exports before `docker compose up` (compose refuses to start without them).
OPS_ENV = {"TANDEM_AUTH_SECRET": "an-operator-secret-0123456789abcdef", "TANDEM_POSTGRES_PASSWORD": "pg-password-42"}


class MissingRequiredVariable(Exception):
    """Compose's `${VAR:?message}` on an unset variable."""


_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_]\w*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|(?P<named>[A-Za-z_]\w*))"
)


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Apply compose variable interpolation ($$, ${VAR}, ${VAR:-default}, ${VAR:?error}) to every string."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def _sub(m: re.Match[str]) -> str:
        if m["escaped"]:
            return "$"
        name, op, arg = m["braced"] or m["named"], m["op"] or "", m["arg"] or ""
        current = env.get(name)
        missing = current is None or (op.startswith(":") and current == "")
        if op.endswith("?") and missing:
            raise MissingRequiredVariable(f"{name}: {arg}")
        if op.endswith("-") and missing:
            return arg
        return current or ""

    return _VARIABLE.sub(_sub, value)


def load_compose(env: Mapping[str, str] = OPS_ENV) -> dict[str, Any]:
    """docker-compose.yml as compose sees it with `env` exported (merge keys resolved by PyYAML)."""
    return interpolate(yaml.safe_load(COMPOSE.read_text()), env)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@dataclass
class Dockerfile:
    """The instructions of a Dockerfile, continuation lines joined and comments dropped."""

    instructions: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> Dockerfile:
        parsed, pending = cls(), ""
        for line in path.read_text().splitlines():
            if line.strip().startswith("#"):
                continue
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            full = (pending + line).strip()
            pending = ""
            if full:
                keyword, _, args = full.partition(" ")
                parsed.instructions.append((keyword.upper(), args.strip()))
        return parsed

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]

    def last(self, keyword: str) -> str:
        found = self.all(keyword)
        assert found, f"no {keyword} instruction"
        return found[-1]


def exec_form(args: str) -> list[str]:
    """CMD/HEALTHCHECK arguments as argv (shell form runs under /bin/sh -c)."""
    return json.loads(args) if args.startswith("[") else ["/bin/sh", "-c", args]


def shell_commands(argv: list[str]) -> list[list[str]]:
    """The `&&`-chained commands of `sh -c SCRIPT`, each split into words (a leading `exec` dropped)."""
    if len(argv) == 3 and argv[0] in ("sh", "/bin/sh") and argv[1] == "-c":
        commands = [shlex.split(part) for part in argv[2].split("&&")]
        return [words[1:] if words[:1] == ["exec"] else words for words in commands]
    return [argv]


def uvicorn_options(argv: list[str]) -> tuple[list[str], dict[str, Any]]:
    """Positional arguments and options of a uvicorn command line."""
    start = next(i for i, word in enumerate(argv) if word.endswith("uvicorn")) + 1
    positional: list[str] = []
    options: dict[str, Any] = {}
    words = iter(argv[start:])
    for word in words:
        if word in ("--factory", "--proxy-headers", "--no-access-log"):
            options[word] = True
        elif word.startswith("--"):
            key, eq, value = word.partition("=")
            options[key] = value if eq else next(words)
        else:
            positional.append(word)
    return positional, options


def service_dockerfile(svc: str) -> Dockerfile:
    return Dockerfile.read(ROOT / "services" / svc / "Dockerfile")


def dockerfile_run_command(svc: str) -> tuple[list[list[str]], list[str]]:
    """The image's CMD as chained commands, and the uvicorn argv among them."""
    commands = shell_commands(exec_form(service_dockerfile(svc).last("CMD")))
    uvicorn = [c for c in commands if any(w.endswith("uvicorn") for w in c)]
    assert len(uvicorn) == 1, commands
    return commands, uvicorn[0]


def container_port(service: dict[str, Any]) -> int:
    """The single container port a compose service publishes."""
    ports = service["ports"]
    assert len(ports) == 1, ports
    return int(str(ports[0]).rsplit(":", 1)[1])


def image_tag(image: str) -> str | None:
    """The tag of an image reference (None when it has none)."""
    name = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return name.split(":", 1)[1] if ":" in name else None


def url_in(command: list[str] | str) -> str:
    text = command if isinstance(command, str) else " ".join(command)
    found = re.findall(r"https?://[^\s'\"]+", text)
    assert len(found) == 1, text
    return found[0]


def init_databases() -> set[str]:
    return set(re.findall(r"CREATE\s+DATABASE\s+\"?(\w+)\"?", INIT_SQL.read_text(), flags=re.IGNORECASE))


def kafka_in_network_listeners(compose: dict[str, Any]) -> set[str]:
    """host:port of the advertised listeners that name the kafka service itself."""
    kafka = compose["services"]["kafka"]
    names = {"kafka", kafka.get("hostname", "kafka")}
    listeners = set()
    for listener in kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"].split(","):
        parsed = urlparse(listener.strip())
        if parsed.hostname in names:
            listeners.add(f"{parsed.hostname}:{parsed.port}")
    return listeners


def apply_env(monkeypatch: pytest.MonkeyPatch, env: Mapping[str, Any]) -> None:
    """Make `env` the whole Tandem environment of this test (nothing inherited from the runner)."""
    for key in list(os.environ):
        if key.startswith("TANDEM_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, str(value))


# --- compose: the five services -------------------------------------------------------------------------


def test_compose_defines_the_platform(compose: dict[str, Any]) -> None:
    assert set(SERVICES) == set(HOST_PORTS)
    assert {*SERVICES, "kafka", "postgres", "gateway"} <= set(compose["services"])
    assert compose["services"]["kafka"]["image"].startswith("apache/kafka:")
    assert compose["services"]["postgres"]["image"].split(":")[0] == "postgres"
    assert image_tag(compose["services"]["postgres"]["image"]).startswith("15")


@pytest.mark.parametrize("svc", SERVICES)
def test_service_builds_from_its_own_dockerfile(compose: dict[str, Any], svc: str) -> None:
    build = compose["services"][svc]["build"]
    assert build["context"] == "."
    assert build["dockerfile"] == f"services/{svc}/Dockerfile"
    assert (ROOT / build["dockerfile"]).is_file()


@pytest.mark.parametrize("svc", SERVICES)
def test_service_environment_points_at_its_dependencies(compose: dict[str, Any], svc: str) -> None:
    env = compose["services"][svc]["environment"]
    assert env["TANDEM_ENVIRONMENT"] == "production"
    assert env["TANDEM_KAFKA_BOOTSTRAP_SERVERS"] in kafka_in_network_listeners(compose)
    assert env["TANDEM_AUTH_SECRET"] == OPS_ENV["TANDEM_AUTH_SECRET"]

    url = make_url(env[f"TANDEM_{svc.upper()}_DATABASE_URL"])
    postgres = compose["services"]["postgres"]["environment"]
    assert url.drivername == "postgresql+asyncpg"
    assert url.host == "postgres" and url.port in (None, 5432)
    assert url.database == f"tandem_{svc}"
    assert url.database in init_databases()
    assert (url.username, url.password) == (postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"])


def test_every_service_has_its_own_database(compose: dict[str, Any]) -> None:
    databases = [make_url(compose["services"][s]["environment"][f"TANDEM_{s.upper()}_DATABASE_URL"]).database
                 for s in SERVICES]
    assert len(set(databases)) == len(SERVICES)
    assert init_databases() == set(databases)


@pytest.mark.parametrize("missing", sorted(OPS_ENV))
def test_compose_refuses_to_start_without_operator_secrets(missing: str) -> None:
    env = {k: v for k, v in OPS_ENV.items() if k != missing}
    with pytest.raises(MissingRequiredVariable, match=missing):
        load_compose(env)
    raw = yaml.safe_load(COMPOSE.read_text())
    for svc in SERVICES:
        assert re.fullmatch(r"\$\{TANDEM_AUTH_SECRET:\?.+\}", raw["services"][svc]["environment"]["TANDEM_AUTH_SECRET"])


@pytest.mark.parametrize("svc", SERVICES)
def test_service_waits_for_healthy_kafka_and_postgres(compose: dict[str, Any], svc: str) -> None:
    depends = compose["services"][svc]["depends_on"]
    for dependency in ("kafka", "postgres"):
        assert depends[dependency]["condition"] == "service_healthy"
        assert compose["services"][dependency]["healthcheck"]["test"]
    kafka_check = " ".join(compose["services"]["kafka"]["healthcheck"]["test"])
    assert "kafka-broker-api-versions" in kafka_check or "kafka-topics" in kafka_check
    assert "pg_isready" in " ".join(compose["services"]["postgres"]["healthcheck"]["test"])


@pytest.mark.parametrize("svc", SERVICES)
def test_service_readiness_and_ports_agree_with_its_image(compose: dict[str, Any], svc: str) -> None:
    service = compose["services"][svc]
    port = container_port(service)
    assert service["ports"] == [f"{HOST_PORTS[svc]}:{port}"]
    probe = urlparse(url_in(service["healthcheck"]["test"]))
    assert (probe.path, probe.port) == (f"/{svc}/readyz", port)

    dockerfile = service_dockerfile(svc)
    assert dockerfile.all("EXPOSE") == [str(port)]
    _, uvicorn = dockerfile_run_command(svc)
    positional, options = uvicorn_options(uvicorn)
    assert int(options["--port"]) == port
    assert options["--host"] == "0.0.0.0"
    assert options["--factory"] is True
    assert positional == [f"tandem_{svc}.main:create_app"]


# --- production settings: what PlatformSettings and the service settings need ------------------------------


def platform_env(env: Mapping[str, Any]) -> dict[str, Any]:
    """The platform-wide part of a service's environment (not prefixed by any service)."""
    service_prefixes = tuple(f"TANDEM_{s.upper()}_" for s in SERVICES)
    return {k: v for k, v in env.items() if k.startswith("TANDEM_") and not k.startswith(service_prefixes)}


def settings_accept(monkeypatch: pytest.MonkeyPatch, env: Mapping[str, Any]) -> bool:
    apply_env(monkeypatch, env)
    try:
        PlatformSettings()
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("svc", SERVICES)
def test_compose_gives_every_setting_production_requires(compose: dict[str, Any], svc: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    env = compose["services"][svc]["environment"]
    apply_env(monkeypatch, env)
    platform = PlatformSettings()
    assert platform.environment == "production"
    assert platform.kafka_bootstrap_servers == env["TANDEM_KAFKA_BOOTSTRAP_SERVERS"]
    assert platform.auth_secret == OPS_ENV["TANDEM_AUTH_SECRET"]

    settings = service_settings(svc)
    # Without a URL the service falls back to SQLite inside the container: production must name PostgreSQL.
    assert settings.database_url == env[f"TANDEM_{svc.upper()}_DATABASE_URL"]
    assert make_url(settings.database_url).get_backend_name() == "postgresql"
    assert settings.run_workers, "the compose layout runs the relay and consumer in every replica"

    # The settings each service requires, computed: dropping any of them must make PlatformSettings refuse.
    required = {key for key in platform_env(env)
                if not settings_accept(monkeypatch, {k: v for k, v in env.items() if k != key})}
    assert {"TANDEM_KAFKA_BOOTSTRAP_SERVERS", "TANDEM_AUTH_SECRET"} <= required
    assert settings_accept(monkeypatch, env)


# --- the gateway -------------------------------------------------------------------------------------------


@dataclass
class Directive:
    """One nginx directive: name, arguments and the block it opens, if any."""

    name: str
    args: list[str]
    block: list[Directive] | None = None

    def children(self, name: str) -> list[Directive]:
        return [d for d in self.block or [] if d.name == name]


_NGINX_TOKEN = re.compile(r"#[^\n]*|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[{};]|[^\s{};'\"#]+")


def parse_nginx(text: str) -> Directive:
    """A minimal nginx.conf parser (enough for directives, blocks, quoted strings and comments)."""
    tokens = [t for t in _NGINX_TOKEN.findall(text) if not t.startswith("#")]
    position = 0

    def block(closing: bool) -> list[Directive]:
        nonlocal position
        directives: list[Directive] = []
        words: list[str] = []
        while position < len(tokens):
            token = tokens[position]
            position += 1
            if token == ";":
                directives.append(Directive(words[0], words[1:]))
                words = []
            elif token == "{":
                directives.append(Directive(words[0], words[1:], block(closing=True)))
                words = []
            elif token == "}":
                assert closing and not words, "unbalanced braces"
                return directives
            else:
                words.append(token[1:-1] if token[0] in "'\"" else token)
        assert not closing and not words, "unterminated block"
        return directives

    return Directive("main", [], block(closing=False))


def walk(directive: Directive) -> list[Directive]:
    return [directive, *(d for child in directive.block or [] for d in walk(child))]


@pytest.fixture(scope="module")
def nginx() -> Directive:
    return parse_nginx(NGINX.read_text())


@pytest.mark.parametrize("svc", SERVICES)
def test_gateway_routes_each_prefix_to_its_service_unchanged(compose: dict[str, Any], nginx: Directive,
                                                            svc: str) -> None:
    (http,) = nginx.children("http")
    upstreams = {u.args[0]: u for u in http.children("upstream")}
    (server,) = http.children("server")
    (location,) = [loc for loc in server.children("location") if loc.args == [f"/{svc}/"]]
    (proxy_pass,) = location.children("proxy_pass")
    target = urlparse(proxy_pass.args[0])
    # No URI part and no variables: nginx then passes the request path through as received.
    assert target.scheme == "http" and target.path == "" and "$" not in proxy_pass.args[0]
    assert not location.children("rewrite")
    if target.hostname in upstreams:
        servers = [s.args[0] for s in upstreams[target.hostname].children("server")]
    else:
        servers = [target.netloc]
    assert servers == [f"{svc}:{container_port(compose['services'][svc])}"]


def test_gateway_never_rewrites_and_is_wired_in_compose(compose: dict[str, Any], nginx: Directive) -> None:
    assert not [d for d in walk(nginx) if d.name == "rewrite"]
    gateway = compose["services"]["gateway"]
    assert gateway["image"].startswith("nginx:") and image_tag(gateway["image"]).startswith("1.27")
    assert any(v.startswith("./deploy/gateway/nginx.conf:/etc/nginx/nginx.conf") for v in gateway["volumes"])
    (http,) = nginx.children("http")
    (server,) = http.children("server")
    (listen,) = server.children("listen")
    assert gateway["ports"] == [f"8000:{listen.args[0]}"]
    assert set(SERVICES) <= set(gateway["depends_on"])


# --- the images --------------------------------------------------------------------------------------------


def copy_sources(args: str) -> list[str]:
    words = json.loads(args) if args.startswith("[") else shlex.split(args)
    words = [w for w in words if not w.startswith("--")]
    return [w.strip("/").removeprefix("./") for w in words[:-1]]


@pytest.mark.parametrize("svc", SERVICES)
def test_dockerfile_copies_only_what_the_service_needs(svc: str) -> None:
    dockerfile = service_dockerfile(svc)
    assert not dockerfile.all("ADD")
    copied = [src for args in dockerfile.all("COPY") for src in copy_sources(args)]
    assert sorted(copied) == sorted(["requirements.lock", "shared", f"services/{svc}"])
    (install,) = [r for r in dockerfile.all("RUN") if "pip install" in r]
    assert shlex.split(install)[2:] == ["-c", "requirements.lock", "./shared", f"./services/{svc}"]


@pytest.mark.parametrize("svc", SERVICES)
def test_dockerfile_runs_as_non_root_migrates_then_serves(svc: str) -> None:
    dockerfile = service_dockerfile(svc)
    assert dockerfile.all("FROM") == ["python:3.11-slim"]
    keywords = [kw for kw, _ in dockerfile.instructions]
    user = dockerfile.last("USER")
    assert user not in ("root", "0") and keywords.index("USER") < keywords.index("CMD")
    commands, uvicorn = dockerfile_run_command(svc)
    assert commands[0] == ["tandem", "migrate", svc]
    assert commands.index(uvicorn) == len(commands) - 1


@pytest.mark.parametrize("svc", SERVICES)
def test_dockerfile_healthcheck_is_liveness(svc: str) -> None:
    healthcheck = service_dockerfile(svc).last("HEALTHCHECK")
    match = re.fullmatch(r"((?:--\S+\s+)*)CMD\s+(.+)", healthcheck)
    assert match, healthcheck
    argv = exec_form(match[2])
    assert argv[:2] == ["python", "-c"] and "urllib" in argv[2]
    probe = urlparse(url_in(argv))
    assert (probe.path, probe.port) == (f"/{svc}/healthz", int(service_dockerfile(svc).last("EXPOSE")))


def test_image_tags_are_pinned(compose: dict[str, Any]) -> None:
    images = [s["image"] for s in compose["services"].values() if "image" in s]
    images += [args.split()[0] for svc in SERVICES for args in service_dockerfile(svc).all("FROM")]
    pods = [d["spec"]["template"]["spec"] for d in k8s_documents() if d["kind"] in ("Deployment", "StatefulSet", "Job")]
    images += [c["image"] for pod in pods for c in pod.get("initContainers", []) + pod["containers"]]
    for image in images:
        assert image_tag(image) not in (None, "latest"), image


def test_dockerignore_keeps_the_context_small_but_complete() -> None:
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()
                if p.strip() and not p.startswith("#")]
    for excluded in (".venv", "var", "tests", "bench", ".git"):
        assert excluded in patterns
    for needed in ("requirements.lock", "shared", "services", "services/change", "shared/tandem_shared"):
        assert not [p for p in patterns if fnmatch.fnmatch(needed, p)], needed


# --- Kubernetes (deploy/k8s: a kustomize base per service, overlays dev and production) and the guide -------------
# `make deploy-check` renders the overlays with kustomize and validates every object against the Kubernetes schemas;
# these tests check that the manifests agree with the images, the settings and each other.


def k8s_documents(*parts: str) -> list[dict[str, Any]]:
    """The objects of every manifest under deploy/k8s/<parts> (kustomization files excluded)."""
    return [d for path in sorted(K8S.joinpath(*parts).rglob("*.yaml")) if path.name != "kustomization.yaml"
            for d in yaml.safe_load_all(path.read_text()) if d]


def kustomization(*parts: str) -> dict[str, Any]:
    return yaml.safe_load(K8S.joinpath(*parts, "kustomization.yaml").read_text())


def generated(*parts: str, kind: str = "configMapGenerator") -> dict[str, dict[str, str]]:
    """The literals of each ConfigMap (or Secret) a kustomization generates, by name."""
    return {g["name"]: dict(item.split("=", 1) for item in g.get("literals", []))
            for g in kustomization(*parts).get(kind, [])}


def base(svc: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["kind"], d["metadata"]["name"]): d for d in k8s_documents("base", svc)}


def pod_env(pod: dict[str, Any], container: dict[str, Any], config: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """A container's environment: envFrom ConfigMaps and Secrets (from `config`), then its own env."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef") or source["secretRef"]
        env.update(config[ref["name"]])
    env.update({e["name"]: e["value"] for e in container.get("env", [])})
    return env


def production_config(svc: str) -> dict[str, dict[str, str]]:
    """The ConfigMaps as the production overlay renders them, and stand-ins for the Secrets operators create."""
    config = {**generated("base", "platform"), **generated("base", svc)}
    for name, literals in generated("overlays", "production").items():
        config[name] = {**config.get(name, {}), **literals}
    config["tandem-auth"] = {"TANDEM_AUTH_SECRET": "an-operator-secret-0123456789abcdef-0123456789"}
    config[f"tandem-{svc}-database"] = {
        f"TANDEM_{svc.upper()}_DATABASE_URL": f"postgresql+asyncpg://tandem_{svc}:pw@db:5432/tandem_{svc}"}
    return config


def test_every_service_has_a_base_in_both_overlays() -> None:
    for overlay in ("dev", "production"):
        resources = kustomization("overlays", overlay)["resources"]
        for part in (*SERVICES, "platform", "gateway"):
            assert f"../../base/{part}" in resources, (overlay, part)
    assert sorted(p.name for p in (K8S / "base").iterdir()) == sorted([*SERVICES, "platform", "gateway"])


@pytest.mark.parametrize("svc", SERVICES)
def test_kubernetes_base_migrates_probes_and_splits_web_from_workers(svc: str, monkeypatch: pytest.MonkeyPatch) -> None:
    objects = base(svc)
    web = objects[("Deployment", f"tandem-{svc}")]
    worker = objects[("Deployment", f"tandem-{svc}-worker")]
    job = objects[("Job", f"tandem-{svc}-migrate")]
    service = objects[("Service", f"tandem-{svc}")]
    _, uvicorn = dockerfile_run_command(svc)
    port = int(service_dockerfile(svc).last("EXPOSE"))
    config = production_config(svc)

    (migrate,) = job["spec"]["template"]["spec"]["containers"]
    assert migrate["command"] == ["tandem", "migrate", svc]
    runs_workers = {}
    for deployment in (web, worker):
        pod = deployment["spec"]["template"]["spec"]
        (init,) = pod["initContainers"]
        (container,) = pod["containers"]
        assert init["command"] == ["tandem", "migrate", svc]
        assert init["image"] == container["image"] == migrate["image"] == f"tandem/{svc}:0.1.0"
        # The initContainer has migrated: the container runs the image's server without its migrate step.
        assert container["command"] == uvicorn
        assert container["readinessProbe"]["httpGet"]["path"] == f"/{svc}/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == f"/{svc}/healthz"
        assert [p["containerPort"] for p in container["ports"]] == [port]
        assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] != 0
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
        assert deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/path"] == \
            f"/{svc}/internal/metrics"
        # Every setting production requires comes from the ConfigMaps and Secrets the pod reads.
        for each in (init, container):
            env = pod_env(pod, each, config)
            assert settings_accept(monkeypatch, env) and PlatformSettings().environment == "production"
            assert make_url(service_settings(svc).database_url).get_backend_name() == "postgresql"
        runs_workers[deployment["metadata"]["name"]] = service_settings(svc).run_workers
    # Web replicas serve HTTP only; the worker Deployment relays and consumes; the Service routes to web only.
    assert runs_workers == {f"tandem-{svc}": False, f"tandem-{svc}-worker": True}
    selector = service["spec"]["selector"]
    assert selector == web["spec"]["selector"]["matchLabels"]
    assert not selector.items() <= worker["spec"]["template"]["metadata"]["labels"].items()
    assert service["spec"]["ports"][0]["targetPort"] in ("http", port)

    hpa = objects[("HorizontalPodAutoscaler", f"tandem-{svc}")]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"tandem-{svc}"}
    for deployment in (web, worker):
        (pdb,) = [d for (kind, _), d in objects.items() if kind == "PodDisruptionBudget"
                  and d["spec"]["selector"] == deployment["spec"]["selector"]]
        assert pdb["spec"].get("maxUnavailable") or pdb["spec"].get("minAvailable")


def ingress_routes(ingress: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    (rule,) = ingress["spec"]["rules"]
    return {p["path"]: (p["pathType"], p["backend"]["service"]["name"], p["backend"]["service"]["port"]["name"])
            for p in rule["http"]["paths"]}


def test_ingress_routes_each_prefix_to_its_service_and_refuses_internal_paths() -> None:
    ingresses = {d["metadata"]["name"]: d for d in k8s_documents("base", "gateway")}
    assert ingress_routes(ingresses["tandem-gateway"]) == {
        f"/{svc}/": ("Prefix", f"tandem-{svc}", "http") for svc in SERVICES}
    # Longer prefixes win: /<svc>/internal/metrics is refused to every client on the public address.
    internal = ingresses["tandem-gateway-internal"]
    assert ingress_routes(internal) == {f"/{svc}/internal/": ("Prefix", f"tandem-{svc}", "http") for svc in SERVICES}
    denied = internal["metadata"]["annotations"]["nginx.ingress.kubernetes.io/denylist-source-range"].split(",")
    assert set(denied) == {"0.0.0.0/0", "::/0"}
    assert {d["spec"]["rules"][0]["host"] for d in ingresses.values()} == {"tandem.example.com"}
    for svc in SERVICES:
        assert ("Service", f"tandem-{svc}") in base(svc)


def test_dev_overlay_databases_exist_in_its_postgres() -> None:
    secrets = generated("overlays", "dev", kind="secretGenerator")
    (init,) = [d for d in k8s_documents("overlays", "dev") if d["kind"] == "ConfigMap"]
    created = set(re.findall(r"CREATE\s+DATABASE\s+(\w+)", init["data"]["init-databases.sql"]))
    assert created == init_databases()
    for svc in SERVICES:
        url = make_url(secrets[f"tandem-{svc}-database"][f"TANDEM_{svc.upper()}_DATABASE_URL"])
        assert (url.host, url.database, url.password) == ("postgres", f"tandem_{svc}",
                                                          secrets["tandem-postgres"]["POSTGRES_PASSWORD"])


def test_readme_documents_every_setting() -> None:
    text = README.read_text()
    names = [f"TANDEM_{name.upper()}" for name in PlatformSettings.model_fields]
    names += [f"TANDEM_<SVC>_{name.upper()}" for name in ServiceSettings.model_fields]
    missing = [n for n in names if n not in text]
    assert not missing, f"deploy/README.md does not document {missing}"


@pytest.mark.parametrize("svc", SERVICES)
def test_gateway_keeps_each_services_internal_metrics_off_the_public_address(nginx: Directive, svc: str) -> None:
    (http,) = nginx.children("http")
    (server,) = http.children("server")
    regexes = [loc for loc in server.children("location") if loc.args and loc.args[0] == "~"]
    # nginx tries regex locations before the longest prefix, so this answers for every service's prefix.
    (internal,) = [loc for loc in regexes if re.search(loc.args[1], f"/{svc}/internal/metrics")]
    assert not re.search(internal.args[1], f"/{svc}/v1/internal/x") and not internal.children("proxy_pass")
    (answer,) = internal.children("return")
    assert answer.args[0] == "404"


def test_compose_logs_json_lines(compose: dict[str, Any]) -> None:
    for svc in SERVICES:
        assert compose["services"][svc]["environment"]["TANDEM_LOG_FORMAT"] == "json"
