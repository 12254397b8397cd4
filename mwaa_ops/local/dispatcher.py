"""One port, two back ends: MWAA requests to the emulator, the rest to moto.

moto routes a request by the service name in its SigV4 credential scope and
does not know ``airflow`` (the MWAA signing name), so this WSGI function
looks at the scope first: ``.../airflow/aws4_request`` goes to the MWAA
emulator, everything else (CloudWatch, SNS, S3, SQS, ``/moto-api``) to moto's
own ``DomainDispatcherApplication``. moto is imported on the first request
that needs it, so starting the endpoint stays quick.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from mwaa_ops.local.mwaa_api import credential_scope

MWAA_SIGNING_NAME = "airflow"  # botocore mwaa service model: metadata.signingName

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Services whose moto app is built ahead of the first request by ``prewarm``.
PREWARM_SERVICES = ("cloudwatch", "sns", "s3", "sqs")
CONTROL_PREFIX = "/_mwaa-emulator/"


def is_mwaa_request(environ: dict[str, Any]) -> bool:
    """Whether the request is signed for MWAA (credential scope ``/airflow/aws4_request``)."""
    scope = credential_scope(environ)
    return scope is not None and scope[1] == MWAA_SIGNING_NAME


class LocalDispatcher:
    """The WSGI application of the local endpoint."""

    def __init__(self, mwaa_app: WsgiApp) -> None:
        self._mwaa_app = mwaa_app
        # The emulator's test controls (mwaa_control.py), under CONTROL_PREFIX.
        self.control_app: WsgiApp | None = None
        self._moto_app: Any = None
        self._lock = threading.Lock()

    def moto_app(self) -> Any:
        """moto's dispatcher application, built (and CloudWatch fixed) on first use."""
        if self._moto_app is None:
            with self._lock:
                if self._moto_app is None:
                    from moto.moto_server.werkzeug_app import (
                        DomainDispatcherApplication,
                        create_backend_app,
                    )

                    from mwaa_ops.local.moto_fixes import apply_cloudwatch_fixes

                    apply_cloudwatch_fixes()
                    from mwaa_ops.local.metric_math import apply_metric_math

                    apply_metric_math()
                    from mwaa_ops.local.alarms_api import apply_alarm_fixes

                    apply_alarm_fixes()
                    self._moto_app = DomainDispatcherApplication(create_backend_app)
        return self._moto_app

    def moto_loaded(self) -> bool:
        """Whether moto has answered a request yet (nothing to evaluate before)."""
        return self._moto_app is not None

    def prewarm(self, services: Iterable[str] = PREWARM_SERVICES) -> None:
        """Build moto's per-service apps now rather than on the first request."""
        app = self.moto_app()
        for service in services:
            with app.lock:
                if service not in app.app_instances:
                    app.app_instances[service] = app.create_app(service)

    def reset_moto(self) -> None:
        """Clear moto's state (every backend of this process), if moto is loaded.

        moto's state is per process, so another endpoint may have filled it
        even when this one has not loaded moto yet.
        """
        if "moto" not in sys.modules:
            return
        from moto.moto_api._internal import moto_api_backend

        moto_api_backend.reset()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if is_mwaa_request(environ):
            return self._mwaa_app(environ, start_response)
        if self.control_app is not None and environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            return self.control_app(environ, start_response)
        return self.moto_app()(environ, start_response)
