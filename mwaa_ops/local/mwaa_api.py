"""The MWAA REST API (restJson1, signing name ``airflow``) over the emulator.

A plain WSGI application: it maps the routes of the MWAA service model
(``PUT/GET/PATCH/DELETE /environments/{Name}``, ``GET /environments``,
``GET/POST/DELETE /tags/{ResourceArn}``) to :class:`MwaaEmulator` methods,
reads the region from the request's SigV4 credential scope, and answers
errors the restJson1 way (status code, ``x-amzn-ErrorType`` header, JSON
``message``) so botocore raises ``ClientError`` with the right code.
Signatures are not verified: any credentials work, as with moto.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from mwaa_ops.errors import FatalAwsError
from mwaa_ops.local.mwaa_emulator import MwaaEmulator
from mwaa_ops.local.mwaa_validation import validation_error
from mwaa_ops.logs import event

log = logging.getLogger(__name__)

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")
# Operations of the service model the emulator does not implement.
_UNSUPPORTED_PREFIXES = ("/clitoken/", "/webtoken/", "/restapi/", "/metrics/")

StartResponse = Callable[..., Any]


def credential_scope(environ: dict[str, Any]) -> tuple[str, str] | None:
    """``(region, service)`` from a SigV4 ``Authorization`` header or presigned query."""
    text = environ.get("HTTP_AUTHORIZATION", "")
    if not text and "X-Amz-Credential=" in environ.get("QUERY_STRING", ""):
        cred = parse_qs(environ["QUERY_STRING"]).get("X-Amz-Credential", [""])[0]
        text = f"Credential={cred}"
    match = _SCOPE.search(text)
    return (match.group(1), match.group(2)) if match else None


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()  # restJson1 default timestamp format: epoch seconds
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _path(environ: dict[str, Any]) -> str:
    raw = environ.get("PATH_INFO", "")
    # WSGI hands the decoded path over as latin-1; names and ARNs may be UTF-8.
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def _body(environ: dict[str, Any]) -> dict[str, Any]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length else b""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise FatalAwsError(
            f"Request body is not valid JSON: {exc}", code="SerializationException", status=400
        ) from None
    if not isinstance(body, dict):
        raise FatalAwsError(
            "Request body must be a JSON object", code="SerializationException", status=400
        )
    return body


class MwaaApiApp:
    """WSGI application serving the MWAA REST API from one :class:`MwaaEmulator`."""

    def __init__(self, emulator: MwaaEmulator) -> None:
        self.emulator = emulator

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request_id = str(uuid.uuid4())
        try:
            status, payload = self._route(environ)
            return self._respond(start_response, status, payload, request_id)
        except FatalAwsError as exc:
            return self._respond(
                start_response, exc.status or 400, {"message": str(exc)}, request_id, exc.code
            )
        except Exception:  # an emulator bug must still answer like a service would
            event(
                log,
                logging.ERROR,
                "mwaa_emulator_error",
                exc_info=True,
                path=environ.get("PATH_INFO"),
            )
            return self._respond(
                start_response,
                500,
                {"message": "Internal error in the MWAA emulator"},
                request_id,
                "InternalServerException",
            )

    def _route(self, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = _path(environ)
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        scope = credential_scope(environ)
        region = scope[0] if scope else None
        emu = self.emulator

        if path.rstrip("/") == "/environments" and method == "GET":
            max_results = query.get("MaxResults", [None])[0]
            try:
                limit = int(max_results) if max_results is not None else None
            except ValueError:
                raise validation_error(
                    f"MaxResults must be an integer, got {max_results!r}"
                ) from None
            token = query.get("NextToken", [None])[0]
            return 200, emu.list_environments(max_results=limit, next_token=token, region=region)

        if path.startswith("/environments/"):
            name = path[len("/environments/") :]
            if method == "PUT":
                return 200, emu.create_environment(name, _body(environ), region=region)
            if method == "GET":
                return 200, emu.get_environment(name, region=region)
            if method == "PATCH":
                return 200, emu.update_environment(name, _body(environ), region=region)
            if method == "DELETE":
                return 200, emu.delete_environment(name, region=region)

        if path.startswith("/tags/"):
            arn = path[len("/tags/") :]
            if method == "GET":
                return 200, emu.list_tags_for_resource(arn)
            if method == "POST":
                body = _body(environ)
                if "Tags" not in body:
                    raise validation_error("Missing required parameter: Tags")
                return 200, emu.tag_resource(arn, body["Tags"])
            if method == "DELETE":
                return 200, emu.untag_resource(arn, query.get("tagKeys", []))

        if path.startswith(_UNSUPPORTED_PREFIXES):
            raise FatalAwsError(
                f"{method} {path} is part of MWAA but not implemented by the local emulator",
                code="UnknownOperationException",
                status=400,
            )
        raise FatalAwsError(
            f"No MWAA operation matches {method} {path}",
            code="UnknownOperationException",
            status=400,
        )

    def _respond(
        self,
        start_response: StartResponse,
        status: int,
        payload: dict[str, Any],
        request_id: str,
        error_type: str | None = None,
    ) -> list[bytes]:
        data = json.dumps(payload, default=_json_default).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("x-amzn-RequestId", request_id),
        ]
        if error_type:
            headers.append(("x-amzn-ErrorType", error_type))
        start_response(f"{status} {_REASONS.get(status, 'Error')}", headers)
        return [data]


_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
}
