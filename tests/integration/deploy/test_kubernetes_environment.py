"""The agent starts under what Kubernetes puts in a pod's environment (issue 14).

A Service named `mwaa-ops` in the namespace makes the kubelet inject service-link
variables into every pod (FIELD-NOTES): MWAA_OPS_PORT=tcp://..., MWAA_OPS_SERVICE_HOST,
MWAA_OPS_PORT_8125_UDP_PROTO, ... alongside the ConfigMap's MWAA_OPS_* keys
(`envFrom`). The rendered Deployment turns service links off, but a user's own pod
spec may not: the agent must still start, with the ConfigMap's settings applied.
"""

from __future__ import annotations

import signal
from pathlib import Path

from mwaa_ops.config import load_config
from mwaa_ops.deploy.render import kubernetes
from tests.support.agent_process import AgentProcess, free_port, free_udp_port


def service_link_variables(service: str, ip: str, ports: dict[str, tuple[int, str]]) -> dict[str, str]:
    """What the kubelet injects for one Service (the Docker-links-compatible form)."""
    prefix = service.upper().replace("-", "_")
    first_port, first_proto = next(iter(ports.values()))
    env = {f"{prefix}_SERVICE_HOST": ip, f"{prefix}_SERVICE_PORT": str(first_port),
           f"{prefix}_PORT": f"{first_proto.lower()}://{ip}:{first_port}"}
    for name, (port, proto) in ports.items():
        env[f"{prefix}_SERVICE_PORT_{name.upper()}"] = str(port)
        base = f"{prefix}_PORT_{port}_{proto.upper()}"
        env[base] = f"{proto.lower()}://{ip}:{port}"
        env[f"{base}_PROTO"] = proto.lower()
        env[f"{base}_PORT"] = str(port)
        env[f"{base}_ADDR"] = ip
    return env


def test_agent_starts_with_service_links_and_configmap(tmp_path: Path) -> None:
    config_map = next(d for d in kubernetes(load_config(environ={})) if d["kind"] == "ConfigMap")
    statsd_port, health_port = free_udp_port(), free_port()
    env = {**config_map["data"],
           **service_link_variables("mwaa-ops", "10.96.0.12",
                                    {"statsd": (8125, "UDP"), "health": (9125, "TCP")}),
           "MWAA_OPS_STATE_DIR": str(tmp_path / "state"), "MWAA_OPS_SCHEDULER__ENABLED": "false",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "MWAA_OPS_AWS__ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
           "MWAA_OPS_AWS__REGION": "us-east-1"}
    agent = AgentProcess(["agent", "--statsd-port", str(statsd_port), "--health-port", str(health_port)],
                         env=env, log_path=tmp_path / "agent.log").start()
    try:
        health = agent.wait_healthy(health_port, timeout=30)
        assert health["ready"] and health["statsd_port"] == statsd_port
    finally:
        agent.kill()
        agent.stop(signal.SIGINT)
