"""The shared store of the upgrade driver: one DynamoDB table for leases, runs and approvals.

Several agent replicas may run the upgrade tick; only the holder of an
environment's **lease** acts on it. The lease is the item ``lease#<env>``,
taken with a conditional ``PutItem``: it succeeds only when no lease exists,
the existing one has expired (``expires_at`` < now, epoch seconds of the
driver's clock), or the caller already holds it. A driver that dies stops
renewing; the next one takes the lease after ``upgrades.lease_seconds``.

The item ``run#<env>`` records where a run is: the step, and whether its
``UpdateEnvironment`` is being sent (``phase = sending``, with ``sent_at``)
or was sent (``sent``). It is written only by the lease holder (conditional
on the lease), so a resumed driver knows never to send a step twice.
``approval#<env>`` keeps the recorded approval. The table (partition key
``pk``, on-demand) is created on first use when missing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_ops.aws import aws_error
from mwaa_ops.errors import MwaaOpsError
from mwaa_ops.logs import event

log = logging.getLogger(__name__)


class LeaseHeldError(MwaaOpsError):
    """Another driver holds the environment's lease."""

    def __init__(self, environment: str, holder: str, expires_at: float) -> None:
        super().__init__(
            f"another driver holds the upgrade lease of {environment!r}: {holder} "
            f"(expires at epoch {expires_at:.0f})"
        )
        self.holder = holder
        self.expires_at = expires_at


class LeaseLostError(MwaaOpsError):
    """This driver's lease expired and another driver took it."""


@dataclass(frozen=True)
class Lease:
    environment: str
    holder: str
    expires_at: float


class UpgradeStore:
    """Leases, run progress and approvals in DynamoDB table ``table``."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self.table = table
        self._ready = False

    # ---- table ------------------------------------------------------------

    def ensure_table(self) -> None:
        if self._ready:
            return
        try:
            self._db.describe_table(TableName=self.table)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise aws_error(exc, "DynamoDB DescribeTable") from None
            try:
                self._db.create_table(
                    TableName=self.table,
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST",
                )
                self._db.get_waiter("table_exists").wait(
                    TableName=self.table, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
                event(log, logging.INFO, "upgrade_table_created", table=self.table)
            except ClientError as create_exc:
                if create_exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
                    raise aws_error(create_exc, "DynamoDB CreateTable") from None
        except BotoCoreError as exc:
            raise aws_error(exc, "DynamoDB DescribeTable") from None
        self._ready = True

    # ---- lease ------------------------------------------------------------

    def acquire(self, environment: str, holder: str, now: float, seconds: float) -> Lease:
        """Take or renew the lease until ``now + seconds``; :class:`LeaseHeldError` if another holds it."""
        self.ensure_table()
        expires = now + seconds
        try:
            self._db.put_item(
                TableName=self.table,
                Item={"pk": {"S": f"lease#{environment}"}, "holder": {"S": holder},
                      "expires_at": {"N": repr(expires)}, "renewed_at": {"N": repr(now)}},
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now OR holder = :me",
                ExpressionAttributeValues={":now": {"N": repr(now)}, ":me": {"S": holder}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                current = self.lease(environment)
                raise LeaseHeldError(environment, current.holder if current else "?",
                                     current.expires_at if current else 0.0) from None
            raise aws_error(exc, "DynamoDB PutItem (lease)") from None
        except BotoCoreError as exc:
            raise aws_error(exc, "DynamoDB PutItem (lease)") from None
        return Lease(environment, holder, expires)

    def lease(self, environment: str) -> Lease | None:
        item = self._get(f"lease#{environment}")
        if item is None:
            return None
        return Lease(environment, item["holder"]["S"], float(item["expires_at"]["N"]))

    def release(self, environment: str, holder: str) -> None:
        """Give the lease up (only if still ours)."""
        try:
            self._db.delete_item(
                TableName=self.table, Key={"pk": {"S": f"lease#{environment}"}},
                ConditionExpression="holder = :me", ExpressionAttributeValues={":me": {"S": holder}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise aws_error(exc, "DynamoDB DeleteItem (lease)") from None

    # ---- run progress -----------------------------------------------------

    def run(self, environment: str) -> dict[str, Any] | None:
        """The recorded progress of the environment's current run, or None."""
        item = self._get(f"run#{environment}")
        return json.loads(item["state"]["S"]) if item else None

    def save_run(self, environment: str, holder: str, state: dict[str, Any], now: float) -> None:
        """Record progress, only while ``holder`` still holds an unexpired lease."""
        self.ensure_table()
        try:
            self._db.transact_write_items(TransactItems=[
                {"ConditionCheck": {
                    "TableName": self.table, "Key": {"pk": {"S": f"lease#{environment}"}},
                    "ConditionExpression": "holder = :me AND expires_at >= :now",
                    "ExpressionAttributeValues": {":me": {"S": holder}, ":now": {"N": repr(now)}},
                }},
                {"Put": {"TableName": self.table, "Item": {
                    "pk": {"S": f"run#{environment}"}, "state": {"S": json.dumps(state)},
                    "updated_at": {"N": repr(now)}}}},
            ])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                raise LeaseLostError(
                    f"lost the upgrade lease of {environment!r}: progress not recorded") from None
            raise aws_error(exc, "DynamoDB TransactWriteItems (run)") from None

    def clear_run(self, environment: str) -> None:
        self._delete(f"run#{environment}")

    # ---- approvals --------------------------------------------------------

    def approval(self, environment: str) -> dict[str, Any] | None:
        item = self._get(f"approval#{environment}")
        return json.loads(item["approval"]["S"]) if item else None

    def save_approval(self, environment: str, approval: dict[str, Any]) -> None:
        self.ensure_table()
        try:
            self._db.put_item(TableName=self.table, Item={
                "pk": {"S": f"approval#{environment}"}, "approval": {"S": json.dumps(approval)}})
        except (ClientError, BotoCoreError) as exc:
            raise aws_error(exc, "DynamoDB PutItem (approval)") from None

    def clear_approval(self, environment: str) -> None:
        self._delete(f"approval#{environment}")

    # ---- helpers ------------------------------------------------------------

    def _get(self, key: str) -> dict[str, Any] | None:
        self.ensure_table()
        try:
            answer = self._db.get_item(TableName=self.table, Key={"pk": {"S": key}}, ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise aws_error(exc, "DynamoDB GetItem") from None
        item: dict[str, Any] | None = answer.get("Item")
        return item

    def _delete(self, key: str) -> None:
        self.ensure_table()
        try:
            self._db.delete_item(TableName=self.table, Key={"pk": {"S": key}})
        except (ClientError, BotoCoreError) as exc:
            raise aws_error(exc, "DynamoDB DeleteItem") from None
