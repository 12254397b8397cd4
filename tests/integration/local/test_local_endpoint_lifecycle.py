"""Starting, stopping and port handling of the LocalEndpoint."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from mwaa_ops.aws import make_client
from mwaa_ops.config import AwsConfig
from mwaa_ops.errors import EndpointError
from mwaa_ops.local import LocalEndpoint


def test_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        endpoint = LocalEndpoint("127.0.0.1", port)
        with pytest.raises(EndpointError, match=rf"port 127\.0\.0\.1:{port} is already in use"):
            endpoint.start()
        assert not endpoint.running


def test_ephemeral_port_is_reported_and_released() -> None:
    endpoint = LocalEndpoint("127.0.0.1", 0)
    with endpoint:
        assert endpoint.port != 0
        assert endpoint.url == f"http://127.0.0.1:{endpoint.port}"
        mwaa = make_client("mwaa", AwsConfig(endpoint_url=endpoint.url))
        assert mwaa.list_environments()["Environments"] == []
    port = endpoint.port
    # Stopped: the port is free again and a new endpoint can take it.
    with LocalEndpoint("127.0.0.1", port) as again:
        assert again.port == port
        mwaa = make_client("mwaa", AwsConfig(endpoint_url=again.url))
        assert mwaa.list_environments()["Environments"] == []
    endpoint.stop()  # a second stop is harmless


def test_moto_api_reset_route_is_served() -> None:
    with LocalEndpoint("127.0.0.1", 0) as endpoint:
        request = urllib.request.Request(f"{endpoint.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
