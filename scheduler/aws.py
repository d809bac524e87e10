"""AWS sessions for the scheduler: DynamoDB and SSM Parameter Store clients from one set of settings,
the names kept in SSM, and the DynamoDB store they open."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .store import DynamoStore, create_table
from .store.dynamodb_table import check_table

log = logging.getLogger(__name__)


class AwsSetupError(Exception):
    """A name, table or parameter the scheduler was pointed at is not usable: a message for the operator."""


@dataclass(frozen=True)
class AwsSettings:
    region: str = "us-east-1"
    # Unset: the standard credential chain (environment, profile, instance or task role).
    access_key_id: str | None = None
    secret_access_key: str | None = None
    # DynamoDB and SSM elsewhere than AWS (LocalStack, moto's server): with --dev only.
    endpoint_url: str | None = None

    def client(self, service: str):
        # A session of its own: the default one is shared, not thread-safe, and reads the profile once.
        return boto3.session.Session().client(
            service, region_name=self.region, endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key_id, aws_secret_access_key=self.secret_access_key,
            config=Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=32),
        )


def parameter(settings: AwsSettings, name: str) -> str:
    """The value of one SSM parameter (decrypted when it is a SecureString)."""
    try:
        return settings.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") == "ParameterNotFound":
            raise AwsSetupError(f"SSM parameter {name!r} does not exist (region {settings.region})") from e
        raise AwsSetupError(f"SSM parameter {name!r} cannot be read: {e}") from e
    except BotoCoreError as e:
        raise AwsSetupError(f"SSM Parameter Store cannot be reached: {e}") from e


def open_dynamo_store(settings: AwsSettings, table: str, *, create: bool = False) -> DynamoStore:
    """The store on `table`, checked against the design; with `create` (--dev) made when missing."""
    client = settings.client("dynamodb")
    try:
        try:
            problem = check_table(client, table)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") != "ResourceNotFoundException" or not create:
                raise
            log.info("creating DynamoDB table %s", table)
            create_table(client, table)
            problem = None
    except ClientError as e:
        raise AwsSetupError(f"DynamoDB table {table!r}: {e}") from e
    except BotoCoreError as e:
        raise AwsSetupError(f"DynamoDB cannot be reached: {e}") from e
    if problem:
        raise AwsSetupError(problem)
    return DynamoStore(client, table)
