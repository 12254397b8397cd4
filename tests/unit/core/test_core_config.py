from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from mwaa_ops.config import Config, load_config
from mwaa_ops.errors import ConfigError


def test_defaults_are_valid_and_frozen() -> None:
    config = load_config(environ={})
    assert config.environment == "local"
    assert config.namespace == "AmazonMWAA"
    assert config.flush_interval_seconds == 60
    assert config.storage_resolution == 60
    with pytest.raises(ValidationError):
        config.environment = "other"  # type: ignore[misc]


def test_precedence_file_then_environment_then_flags(tmp_path: Path) -> None:
    file = tmp_path / "mwaa-ops.toml"
    file.write_text('environment = "from-file"\n[statsd]\nport = 9001\nprefix = "af"\n')
    environ = {"MWAA_OPS_STATSD__PORT": "9002", "MWAA_OPS_NAMESPACE": "Custom"}
    config = load_config(file, environ=environ, overrides={"statsd.port": 9003, "environment": None})
    assert config.environment == "from-file"  # None flag does not mask the file
    assert config.statsd.prefix == "af"
    assert config.namespace == "Custom"
    assert config.statsd.port == 9003


def test_environment_list_values_split_on_commas() -> None:
    config = load_config(environ={"MWAA_OPS_STATSD__BLOCK_LIST": "^foo,bar$"})
    assert config.statsd.block_list == ("^foo", "bar$")


def test_high_resolution_below_a_minute() -> None:
    assert load_config(environ={}, overrides={"flush_interval_seconds": 10}).storage_resolution == 1


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"statsd.port": 70000}, "statsd.port = 70000", id="port-out-of-range"),
        pytest.param({"statsd.port": "abc"}, "statsd.port = 'abc'", id="port-not-a-number"),
        pytest.param({"environment": "1-bad"}, "environment = '1-bad'", id="environment-name"),
        pytest.param({"flush_interval_seconds": 0}, "flush_interval_seconds = 0", id="zero-interval"),
        pytest.param({"statsd.allow_list": ["("]}, "not a valid regular expression", id="bad-regex"),
        pytest.param({"statsd.bogus": 1}, "statsd.bogus: unknown key", id="unknown-key"),
        pytest.param({"log_level": "loud"}, "log_level = 'loud'", id="log-level"),
        pytest.param({"aws.endpoint_url": "ftp://x"}, "aws.endpoint_url", id="endpoint-scheme"),
        pytest.param(
            {"scheduler.jobs.versions_refresh.trigger": "hourly"},
            "scheduler.jobs.versions_refresh.trigger = 'hourly'",
            id="trigger-kind",
        ),
    ],
)
def test_bad_values_name_the_key(overrides: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(environ={}, overrides=overrides)
    assert expected in str(error.value)


def test_missing_and_broken_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", environ={})
    broken = tmp_path / "broken.toml"
    broken.write_text("environment = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken, environ={})


def test_example_config_in_docs_is_valid() -> None:
    example = Path(__file__).parents[3] / "deploy" / "mwaa-ops.example.toml"
    config = load_config(example, environ={})
    assert isinstance(config, Config)


KUBERNETES_SERVICE_LINKS = {
    # What Kubernetes injects for a Service named "mwaa-ops" with ports 8125/udp and 9125/tcp.
    "MWAA_OPS_SERVICE_HOST": "10.0.0.7",
    "MWAA_OPS_SERVICE_PORT": "9125",
    "MWAA_OPS_SERVICE_PORT_HEALTH": "9125",
    "MWAA_OPS_PORT": "tcp://10.0.0.7:9125",
    "MWAA_OPS_PORT_9125_TCP": "tcp://10.0.0.7:9125",
    "MWAA_OPS_PORT_9125_TCP_PROTO": "tcp",
    "MWAA_OPS_PORT_9125_TCP_PORT": "9125",
    "MWAA_OPS_PORT_9125_TCP_ADDR": "10.0.0.7",
    "MWAA_OPS_PORT_8125_UDP": "udp://10.0.0.7:8125",
    "MWAA_OPS_PORT_8125_UDP_ADDR": "10.0.0.7",
}


def test_kubernetes_service_link_variables_are_ignored() -> None:
    """Issue 8 case 11: the agent stopped with "port: unknown key" in a pod next to a mwaa-ops Service."""
    config = load_config(environ={**KUBERNETES_SERVICE_LINKS, "MWAA_OPS_STATSD__PORT": "9000",
                                  "MWAA_OPS_ENVIRONMENT": "prod"})
    assert config.statsd.port == 9000
    assert config.environment == "prod"
    assert config.health.port == 9125


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        pytest.param({"MWAA_OPS_STATSD__PORT": "tcp://10.0.0.7:8125"},
                     "statsd.port = 'tcp://10.0.0.7:8125' (from environment variable MWAA_OPS_STATSD__PORT)",
                     id="bad-value"),
        pytest.param({"MWAA_OPS_STATSD__PROT": "9000"},
                     "statsd.prot (from environment variable MWAA_OPS_STATSD__PROT): unknown key", id="typo-in-section"),
        pytest.param({"MWAA_OPS_FLUSH_INTERVAL_SECONDS": "0"},
                     "flush_interval_seconds = '0' (from environment variable MWAA_OPS_FLUSH_INTERVAL_SECONDS)",
                     id="top-level"),
        pytest.param({"MWAA_OPS_AIRFLOW__MAJOR_VERSION": "4"},
                     "airflow.major_version = '4' (from environment variable MWAA_OPS_AIRFLOW__MAJOR_VERSION)",
                     id="airflow-major"),
    ],
)
def test_bad_environment_values_name_the_variable(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(environ=environ)
    assert expected in str(info.value)


def test_flag_error_is_not_blamed_on_the_environment() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(environ={"MWAA_OPS_STATSD__PORT": "9000"}, overrides={"statsd.port": 70000})
    assert "environment variable" not in str(info.value)


@pytest.mark.parametrize(("value", "major"), [("3", 3), ("2", 2), ("auto", None), ("", None)])
def test_airflow_major_version(value: str, major: int | None) -> None:
    assert load_config(environ={"MWAA_OPS_AIRFLOW__MAJOR_VERSION": value}).airflow.major_version == major
