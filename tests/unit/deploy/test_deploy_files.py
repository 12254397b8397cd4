"""Dockerfile, docker-compose.yml, ECS and Kubernetes files: linted, validated, in sync.

Docker cannot build here (no daemon): the Dockerfile is linted with hadolint and
read for what the image promises; the compose file is parsed and compared with
`mwaa-ops deploy render --target compose`; the ECS task definition is validated
against botocore's RegisterTaskDefinition input shape; Kubernetes manifests with
kubernetes-validate (strict: unknown fields rejected).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from mwaa_ops.cli.main import COMMANDS, cli
from mwaa_ops.config import Config, load_config
from mwaa_ops.deploy.render import (
    CONTAINER_OVERRIDES,
    compose,
    config_environment,
    ecs,
    kubernetes,
)

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
COMPOSE = ROOT / "deploy" / "docker-compose.yml"
BIN = Path(sys.executable).parent
DEFAULT = load_config(environ={})
# The oldest Kubernetes with native sidecars on by default (1.29) and a newer one.
K8S_VERSIONS = ("1.29", "1.33")


def _instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _command(args: list[str]) -> click.Command:
    assert args[0] in COMMANDS, args
    command = cli.get_command(click.Context(cli), args[0])
    assert command is not None
    return command


def _assert_cli_accepts(args: list[str]) -> None:
    """Every flag in ``args`` is one the named command has."""
    command = _command(args)
    flags = {o for p in command.params for o in getattr(p, "opts", [])}
    for arg in args[1:]:
        if arg.startswith("--"):
            assert arg.split("=")[0] in flags, f"{args[0]} has no flag {arg}"


def _assert_config_keys(env: dict[str, str]) -> Config:
    """The MWAA_OPS_* variables name real config keys with valid values."""
    return load_config(environ={k: v for k, v in env.items() if k.startswith("MWAA_OPS_")})


# --- Dockerfile ---------------------------------------------------------------


def test_hadolint_passes_the_dockerfile() -> None:
    done = subprocess.run([str(BIN / "hadolint"), str(DOCKERFILE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_is_really_linting(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install gcc\n")
    done = subprocess.run([str(BIN / "hadolint"), str(bad)], capture_output=True, text=True)
    assert done.returncode != 0 and "DL3007" in done.stdout


def test_dockerfile_promises() -> None:
    steps = _instructions(DOCKERFILE.read_text())
    froms = [rest for word, rest in steps if word == "FROM"]
    assert len(froms) == 2 and all(f.startswith("python:3.11-slim") for f in froms), froms
    final = steps[max(i for i, (w, _) in enumerate(steps) if w == "FROM"):]
    final_runs = " ".join(rest for word, rest in final if word == "RUN")
    for tool in ("apt-get", "gcc", "build-essential", "pip install"):
        assert tool not in final_runs, f"final stage installs {tool}"
    user = next(rest for word, rest in final if word == "USER")
    assert user.split(":")[0] not in ("0", "root")
    exposed = set(next(rest for word, rest in final if word == "EXPOSE").split())
    assert exposed == {f"{DEFAULT.statsd.port}/udp", f"{DEFAULT.health.port}/tcp"}
    health = next(rest for word, rest in final if word == "HEALTHCHECK")
    assert f"127.0.0.1:{DEFAULT.health.port}/healthz" in health
    env_line = next(rest for word, rest in final if word == "ENV")
    env = dict(re.findall(r"(MWAA_OPS_\w+)=(\S+)", env_line))
    assert env == CONTAINER_OVERRIDES
    _assert_config_keys(env)
    entry = json.loads(next(rest for word, rest in final if word == "ENTRYPOINT"))
    cmd = json.loads(next(rest for word, rest in final if word == "CMD"))
    assert entry == ["mwaa-ops"]
    _assert_cli_accepts(cmd)


# --- compose --------------------------------------------------------------------


def test_compose_file_is_the_rendered_default() -> None:
    assert yaml.safe_load(COMPOSE.read_text()) == compose(DEFAULT)


def test_compose_points_airflow_at_the_sidecar_with_real_flags_and_keys() -> None:
    project = yaml.safe_load(COMPOSE.read_text())
    sidecar, airflow = project["services"]["mwaa-ops"], project["services"]["airflow"]
    assert airflow["image"].startswith("apache/airflow:")
    _assert_cli_accepts(sidecar["command"])
    config = _assert_config_keys(sidecar["environment"])
    assert airflow["environment"]["AIRFLOW__METRICS__STATSD_HOST"] == "mwaa-ops"
    assert airflow["environment"]["AIRFLOW__METRICS__STATSD_PORT"] == str(config.statsd.port)
    assert airflow["environment"]["AIRFLOW__METRICS__STATSD_PREFIX"] == config.statsd.prefix
    assert f"{config.statsd.port}/udp" in sidecar["expose"]
    assert airflow["depends_on"]["mwaa-ops"]["condition"] == "service_healthy"
    assert f"{config.health.port}/healthz" in " ".join(sidecar["healthcheck"]["test"])


# --- config round trip ------------------------------------------------------------


def test_config_environment_round_trips(tmp_path: Path) -> None:
    toml = tmp_path / "mwaa-ops.toml"
    toml.write_text('environment = "prod"\nnamespace = "Team/Airflow"\nflush_interval_seconds = 10\n'
                    '[statsd]\nport = 18125\nallow_list = ["^scheduler", "^ti_"]\n'
                    '[scheduler.jobs.versions_refresh]\nenabled = false\n')
    config = load_config(toml, environ={})
    env = config_environment(config)
    back = load_config(environ=env)
    expected = config.model_copy(update={
        "state_dir": Path(CONTAINER_OVERRIDES["MWAA_OPS_STATE_DIR"]),
        "statsd": config.statsd.model_copy(update={"host": "0.0.0.0"}),
        "health": config.health.model_copy(update={"host": "0.0.0.0"}),
    })
    assert back == expected


def test_a_list_value_with_a_comma_is_refused_by_name() -> None:
    config = load_config(environ={}, overrides={"statsd.block_list": ["a{1,2}"]})
    with pytest.raises(ValueError, match="STATSD__BLOCK_LIST"):
        config_environment(config)


# --- ECS ---------------------------------------------------------------------------


def test_ecs_task_definition_matches_botocores_model() -> None:
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    task = ecs(DEFAULT)
    report = ParamValidator().validate(task, shape)
    assert not report.has_errors(), report.generate_report()
    sidecar, airflow = task["containerDefinitions"]
    assert {"containerPort": DEFAULT.statsd.port, "protocol": "udp", "name": "statsd"} in sidecar["portMappings"]
    assert airflow["dependsOn"] == [{"containerName": "mwaa-ops", "condition": "HEALTHY"}]
    assert sidecar["logConfiguration"]["logDriver"] == "awslogs"
    assert "/healthz" in " ".join(sidecar["healthCheck"]["command"])
    _assert_cli_accepts(sidecar["command"])
    _assert_config_keys({e["name"]: e["value"] for e in sidecar["environment"]})


def test_botocore_validation_would_catch_a_broken_task() -> None:
    import botocore.session
    from botocore.validate import ParamValidator

    shape = botocore.session.get_session().get_service_model("ecs").operation_model(
        "RegisterTaskDefinition").input_shape
    task = ecs(DEFAULT)
    task["containerDefinitions"][0]["portMappings"][0]["containerPort"] = "8125"
    assert ParamValidator().validate(task, shape).has_errors()


# --- Kubernetes ------------------------------------------------------------------------


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_kubernetes_manifests_validate(version: str) -> None:
    import kubernetes_validate

    for doc in kubernetes(DEFAULT):
        kubernetes_validate.validate(doc, version, strict=True)


def test_kubernetes_validate_would_catch_a_typo() -> None:
    import kubernetes_validate

    doc: dict[str, Any] = kubernetes(DEFAULT)[-1]
    doc["spec"]["template"]["spec"]["initContainers"][0]["restartPolicyy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, K8S_VERSIONS[-1], strict=True)


def test_kubernetes_native_sidecar_probes_service_and_configmap() -> None:
    docs = {d["kind"]: d for d in kubernetes(DEFAULT)}
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    (sidecar,) = pod["initContainers"]
    assert sidecar["restartPolicy"] == "Always"
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert sidecar[probe]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert sidecar["resources"]["limits"]["memory"]
    _assert_cli_accepts(sidecar["args"])
    _assert_config_keys(docs["ConfigMap"]["data"])
    ports = {(p["port"], p["protocol"]) for p in docs["Service"]["spec"]["ports"]}
    assert ports == {(DEFAULT.statsd.port, "UDP"), (DEFAULT.health.port, "TCP")}
    airflow_env = {e["name"]: e["value"] for e in pod["containers"][0]["env"]}
    assert airflow_env["AIRFLOW__METRICS__STATSD_HOST"] == "127.0.0.1"


@pytest.mark.parametrize("target", ["compose", "ecs", "kubernetes"])
def test_cli_renders_each_target(target: str, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('environment = "prod"\n[statsd]\nport = 18125\n')
    done = subprocess.run([str(BIN / "mwaa-ops"), "deploy", "render", "--target", target,
                           "--config", str(config), "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "18125" in text and "MWAA_OPS_ENVIRONMENT" in text
    json.loads(text)


def test_committed_ecs_and_kubernetes_examples_are_the_rendered_default() -> None:
    assert json.loads((ROOT / "deploy" / "ecs" / "task-definition.json").read_text()) == ecs(DEFAULT)
    docs = list(yaml.safe_load_all((ROOT / "deploy" / "kubernetes" / "mwaa-ops.yaml").read_text()))
    assert docs == kubernetes(DEFAULT)


def test_documented_airflow_allow_list_keeps_every_needed_metric() -> None:
    from mwaa_ops.deploy.needs import blocked, shipped_needs

    text = (ROOT / "docs" / "airflow-settings.md").read_text()
    (line,) = re.findall(r"^metrics_allow_list = (.+)$", text, flags=re.M)
    # Airflow's list without pattern matching: prefixes of the name without statsd_prefix.
    allow = ["^" + re.escape(prefix.strip()) for prefix in line.split(",")]
    for need in shipped_needs():
        assert blocked(need.metric, allow, []) is None, need
    assert blocked("SchedulerHeartbeat", ["^dag_processing"], []) == ["scheduler_heartbeat"]
