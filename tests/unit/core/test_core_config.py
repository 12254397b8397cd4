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
