"""Sidecar files for docker compose, Amazon ECS and Kubernetes, from one config.

Every target runs the same image (``deploy/Dockerfile``) and passes the config
the same way: as ``MWAA_OPS_<SECTION>__<KEY>`` environment variables
(:func:`config_environment`) for every key that differs from its default, plus
what a container needs (:data:`CONTAINER_OVERRIDES`: listen on all interfaces,
state under the image's writable home). Airflow is pointed at the sidecar with
its ``[metrics]`` settings (:func:`airflow_environment`).

- ``compose``: Airflow (official image, ``standalone``) and the sidecar on its
  embedded default (``mwaa-ops up``: no AWS account) — ``deploy/docker-compose.yml``
  is this output for the default config;
- ``ecs``: a ``RegisterTaskDefinition`` input (Fargate, awsvpc: Airflow reaches the
  sidecar on 127.0.0.1), checked against botocore's ECS model in tests;
- ``kubernetes``: a ConfigMap, a Service and a Deployment whose pod runs the sidecar as
  a native sidecar (``initContainers`` with ``restartPolicy: Always``, Kubernetes 1.29+),
  checked with kubernetes-validate in tests.
"""

from __future__ import annotations

from typing import Any, Literal

from mwaa_ops.config import Config

Target = Literal["compose", "ecs", "kubernetes"]
TARGETS: tuple[Target, ...] = ("compose", "ecs", "kubernetes")

DEFAULT_IMAGE = "mwaa-ops:latest"
# The official image; the version the project's end-to-end tests run (tests/e2e).
AIRFLOW_IMAGE = "apache/airflow:3.3.2"
CONTAINER_NAME = "mwaa-ops"
STATE_DIR = "/var/lib/mwaa-ops/state"
# In a container the receiver and the health endpoint must be reachable from
# other containers and from the kubelet: bind all interfaces.
CONTAINER_OVERRIDES: dict[str, str] = {
    "MWAA_OPS_STATSD__HOST": "0.0.0.0",  # noqa: S104 (a container's own network namespace)
    "MWAA_OPS_HEALTH__HOST": "0.0.0.0",  # noqa: S104
    "MWAA_OPS_STATE_DIR": STATE_DIR,
}
# The probe the image's HEALTHCHECK, ECS and compose run (no curl in a slim image).
HEALTH_PROBE = ("import sys, urllib.request; "
                "urllib.request.urlopen('http://127.0.0.1:{port}/healthz', timeout=2)")

# Resources measured for the agent: ~80 MB RSS at Airflow-sized traffic, 155 MB at
# 100,000 series (docs/benchmark.md); one core at 400k lines/s.
K8S_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"},
                 "limits": {"cpu": "1", "memory": "256Mi"}}
ECS_CPU, ECS_MEMORY = "1024", "3072"   # the task: Airflow standalone + sidecar (Fargate sizes)
SIDECAR_ECS_MEMORY = 256               # MiB reserved for the sidecar


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}__{key.upper()}" if prefix else key.upper(), item, out)
        return
    if isinstance(value, list | tuple):
        if any("," in str(v) for v in value):
            raise ValueError(f"{prefix}: list values containing ',' cannot be passed as "
                             "environment variables; use a config file")
        out[prefix] = ",".join(str(v) for v in value)
    elif isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    else:
        out[prefix] = str(value)


def config_environment(config: Config) -> dict[str, str]:
    """``MWAA_OPS_*`` variables for every key that differs from the default, plus container ones."""
    changed = config.model_dump(mode="json", exclude_defaults=True)
    flat: dict[str, str] = {}
    _flatten("", changed, flat)
    env = {f"MWAA_OPS_{key}": value for key, value in flat.items()}
    env.update(CONTAINER_OVERRIDES)
    return dict(sorted(env.items()))


def airflow_environment(config: Config, statsd_host: str) -> dict[str, str]:
    """Airflow's ``[metrics]`` settings that send to the sidecar (docs/airflow-settings.md)."""
    return {
        "AIRFLOW__METRICS__STATSD_ON": "True",
        "AIRFLOW__METRICS__STATSD_HOST": statsd_host,
        "AIRFLOW__METRICS__STATSD_PORT": str(config.statsd.port),
        "AIRFLOW__METRICS__STATSD_PREFIX": config.statsd.prefix,
        # Tags carry the real dag and task ids (Airflow 3 mangles dots in legacy names).
        "AIRFLOW__METRICS__STATSD_INFLUXDB_ENABLED": "True",
    }


def _probe(config: Config) -> list[str]:
    return ["python", "-c", HEALTH_PROBE.format(port=config.health.port)]


def compose(config: Config, image: str = DEFAULT_IMAGE, *, embedded: bool = True) -> dict[str, Any]:
    """A compose project: Airflow standalone + the sidecar (``up`` when ``embedded``)."""
    command = ["up", "--json"] if embedded else ["agent", "--json"]
    sidecar: dict[str, Any] = {
        "image": image,
        "build": {"context": "..", "dockerfile": "deploy/Dockerfile"},
        "command": command,
        "environment": config_environment(config),
        "ports": [f"{config.health.port}:{config.health.port}/tcp"],
        "expose": [f"{config.statsd.port}/udp"],
        "volumes": ["mwaa-ops-state:/var/lib/mwaa-ops/state"],
        "healthcheck": {"test": ["CMD", *_probe(config)], "interval": "15s", "timeout": "3s",
                        "start_period": "30s", "retries": 3},
        "restart": "unless-stopped",
    }
    airflow = {
        "image": AIRFLOW_IMAGE,
        "command": ["standalone"],
        "environment": {**airflow_environment(config, CONTAINER_NAME),
                        "AIRFLOW__CORE__LOAD_EXAMPLES": "True"},
        "ports": ["8080:8080"],
        "depends_on": {CONTAINER_NAME: {"condition": "service_healthy"}},
    }
    return {
        "name": "mwaa-ops-demo",
        "services": {CONTAINER_NAME: sidecar, "airflow": airflow},
        "volumes": {"mwaa-ops-state": {}},
    }


def ecs(config: Config, image: str = DEFAULT_IMAGE, *, region: str = "us-east-1") -> dict[str, Any]:
    """A ``RegisterTaskDefinition`` request (botocore's ECS input shape)."""
    env = [{"name": k, "value": v} for k, v in config_environment(config).items()]

    def logs(stream: str) -> dict[str, Any]:
        return {"logDriver": "awslogs", "options": {
            "awslogs-group": f"/ecs/airflow-{config.environment}", "awslogs-region": region,
            "awslogs-stream-prefix": stream, "awslogs-create-group": "true"}}

    sidecar = {
        "name": CONTAINER_NAME,
        "image": image,
        "essential": True,
        "command": ["agent", "--json"],
        "environment": env,
        "portMappings": [
            {"containerPort": config.statsd.port, "protocol": "udp", "name": "statsd"},
            {"containerPort": config.health.port, "protocol": "tcp", "name": "health"},
        ],
        "healthCheck": {"command": ["CMD", *_probe(config)], "interval": 15, "timeout": 3,
                        "retries": 3, "startPeriod": 30},
        "memoryReservation": SIDECAR_ECS_MEMORY,
        "readonlyRootFilesystem": False,
        "user": "10001",
        "logConfiguration": logs("mwaa-ops"),
    }
    airflow = {
        "name": "airflow",
        "image": AIRFLOW_IMAGE,
        "essential": True,
        "command": ["standalone"],
        "environment": [{"name": k, "value": v}
                        for k, v in airflow_environment(config, "127.0.0.1").items()],
        "portMappings": [{"containerPort": 8080, "protocol": "tcp", "name": "airflow-ui"}],
        "dependsOn": [{"containerName": CONTAINER_NAME, "condition": "HEALTHY"}],
        "logConfiguration": logs("airflow"),
    }
    return {
        "family": f"airflow-{config.environment}",
        "taskRoleArn": "arn:aws:iam::123456789012:role/mwaa-ops-agent",
        "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": ECS_CPU,
        "memory": ECS_MEMORY,
        "containerDefinitions": [sidecar, airflow],
    }


def kubernetes(config: Config, image: str = DEFAULT_IMAGE, *,
               namespace: str = "airflow") -> list[dict[str, Any]]:
    """ConfigMap, Service and a Deployment with the sidecar as a native sidecar container."""
    labels = {"app.kubernetes.io/name": "airflow", "app.kubernetes.io/component": "scheduler"}
    meta = {"namespace": namespace, "labels": {"app.kubernetes.io/part-of": "mwaa-ops"}}
    probe = {"httpGet": {"path": "/healthz", "port": "health"}, "periodSeconds": 15,
             "timeoutSeconds": 3, "failureThreshold": 3}
    sidecar = {
        "name": CONTAINER_NAME,
        "image": image,
        "args": ["agent", "--json"],
        # Native sidecar: starts before Airflow, runs for the pod's life (Kubernetes 1.29+).
        "restartPolicy": "Always",
        "envFrom": [{"configMapRef": {"name": CONTAINER_NAME}}],
        "ports": [{"name": "statsd", "containerPort": config.statsd.port, "protocol": "UDP"},
                  {"name": "health", "containerPort": config.health.port, "protocol": "TCP"}],
        "startupProbe": {**probe, "periodSeconds": 2, "failureThreshold": 30},
        "readinessProbe": probe,
        "livenessProbe": probe,
        "resources": K8S_RESOURCES,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                            "allowPrivilegeEscalation": False,
                            "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "mwaa-ops-state", "mountPath": STATE_DIR}],
    }
    airflow = {
        "name": "scheduler",
        "image": AIRFLOW_IMAGE,
        "args": ["scheduler"],
        "env": [{"name": k, "value": v} for k, v in airflow_environment(config, "127.0.0.1").items()],
    }
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": {"name": CONTAINER_NAME, **meta, "annotations": {
             # IRSA: the role that carries `mwaa-ops iam-policy` (CloudFormation output RoleArn).
             "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/mwaa-ops-agent"}}},
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": CONTAINER_NAME, **meta}, "data": config_environment(config)},
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": CONTAINER_NAME, **meta},
         "spec": {"selector": labels, "ports": [
             {"name": "statsd", "port": config.statsd.port, "targetPort": "statsd", "protocol": "UDP"},
             {"name": "health", "port": config.health.port, "targetPort": "health", "protocol": "TCP"}]}},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "airflow-scheduler", **meta},
         "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": {
                      "serviceAccountName": CONTAINER_NAME,
                      # Every Service in the namespace would otherwise add <NAME>_PORT=tcp://...
                      # variables; the agent tolerates them, but it needs none of them.
                      "enableServiceLinks": False,
                      "initContainers": [sidecar],
                      "containers": [airflow],
                      "volumes": [{"name": "mwaa-ops-state", "emptyDir": {}}]}}}},
    ]


def render(target: Target, config: Config, image: str = DEFAULT_IMAGE) -> Any:
    if target == "compose":
        return compose(config, image)
    if target == "ecs":
        return ecs(config, image, region=config.aws.region or "us-east-1")
    return kubernetes(config, image)
