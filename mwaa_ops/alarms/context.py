"""What every alarms command and the agent job start from: config, clients, definitions, router."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mwaa_ops.alarms.definitions import Definitions, load_definitions
from mwaa_ops.alarms.routing import Router, definitions_dirs
from mwaa_ops.aws import aws_error, make_client
from mwaa_ops.clock import Clock, SystemClock
from mwaa_ops.config import Config


@dataclass
class AlarmsContext:
    """Config, clock, boto3 clients and the validated definitions; topic ARNs looked up once."""

    config: Config
    cloudwatch: Any
    sns: Any
    sts: Any
    clock: Clock = field(default_factory=SystemClock)
    definitions: Definitions | None = None
    _topics: dict[str, str] | None = None
    _account: str | None = None

    @classmethod
    def build(cls, config: Config, *, clock: Clock | None = None,
              make: Callable[[str], Any] | None = None) -> AlarmsContext:
        """Load and validate the definitions first (no AWS call before that)."""
        directory, runbooks = definitions_dirs(config.alarms)
        definitions = load_definitions(directory, runbooks)
        make = make or (lambda service: make_client(service, config.aws))
        return cls(config, make("cloudwatch"), make("sns"), make("sts"), clock or SystemClock(), definitions)

    def existing_topics(self) -> dict[str, str]:
        """Topic name -> ARN for every topic in the account and region (ListTopics, paginated)."""
        if self._topics is None:
            topics: dict[str, str] = {}
            try:
                for page in self.sns.get_paginator("list_topics").paginate():
                    for topic in page.get("Topics", []):
                        topics[topic["TopicArn"].rsplit(":", 1)[1]] = topic["TopicArn"]
            except Exception as exc:
                raise aws_error(exc, "SNS ListTopics") from exc
            self._topics = topics
        return self._topics

    def forget_topics(self) -> None:
        self._topics = None

    def account(self) -> str:
        if self._account is None:
            try:
                self._account = str(self.sts.get_caller_identity()["Account"])
            except Exception as exc:
                raise aws_error(exc, "STS GetCallerIdentity") from exc
        return self._account

    def topic_arn(self, name: str) -> str:
        """The topic's ARN: the existing one, else the one CreateTopic will give it."""
        found = self.existing_topics().get(name)
        if found:
            return found
        region = self.sns.meta.region_name
        return f"arn:aws:sns:{region}:{self.account()}:{name}"

    def router(self) -> Router:
        return Router(self.config, self.topic_arn)
