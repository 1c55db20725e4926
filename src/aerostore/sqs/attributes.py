"""Queue attributes: names, defaults, limits, and the validation CreateQueue and SetQueueAttributes share.

See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from aerostore.sqs import errors

ALL = "All"
DELAY_SECONDS = "DelaySeconds"
MAXIMUM_MESSAGE_SIZE = "MaximumMessageSize"
MESSAGE_RETENTION_PERIOD = "MessageRetentionPeriod"
RECEIVE_MESSAGE_WAIT_TIME_SECONDS = "ReceiveMessageWaitTimeSeconds"
VISIBILITY_TIMEOUT = "VisibilityTimeout"
KMS_DATA_KEY_REUSE_PERIOD_SECONDS = "KmsDataKeyReusePeriodSeconds"
POLICY = "Policy"
REDRIVE_POLICY = "RedrivePolicy"
REDRIVE_ALLOW_POLICY = "RedriveAllowPolicy"
KMS_MASTER_KEY_ID = "KmsMasterKeyId"
SQS_MANAGED_SSE_ENABLED = "SqsManagedSseEnabled"
FIFO_QUEUE = "FifoQueue"
CONTENT_BASED_DEDUPLICATION = "ContentBasedDeduplication"
DEDUPLICATION_SCOPE = "DeduplicationScope"
FIFO_THROUGHPUT_LIMIT = "FifoThroughputLimit"
QUEUE_ARN = "QueueArn"
CREATED_TIMESTAMP = "CreatedTimestamp"
LAST_MODIFIED_TIMESTAMP = "LastModifiedTimestamp"
APPROXIMATE_NUMBER_OF_MESSAGES = "ApproximateNumberOfMessages"
APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE = "ApproximateNumberOfMessagesNotVisible"
APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED = "ApproximateNumberOfMessagesDelayed"

INT_RANGES = {
    DELAY_SECONDS: (0, 900),
    MAXIMUM_MESSAGE_SIZE: (1024, 1048576),
    MESSAGE_RETENTION_PERIOD: (60, 1209600),
    RECEIVE_MESSAGE_WAIT_TIME_SECONDS: (0, 20),
    VISIBILITY_TIMEOUT: (0, 43200),
    KMS_DATA_KEY_REUSE_PERIOD_SECONDS: (60, 86400),
}
DEFAULTS = {
    DELAY_SECONDS: "0",
    MAXIMUM_MESSAGE_SIZE: "1048576",
    MESSAGE_RETENTION_PERIOD: "345600",
    RECEIVE_MESSAGE_WAIT_TIME_SECONDS: "0",
    VISIBILITY_TIMEOUT: "30",
    SQS_MANAGED_SSE_ENABLED: "true",
}
FIFO_DEFAULTS = {
    FIFO_QUEUE: "true",
    CONTENT_BASED_DEDUPLICATION: "false",
    DEDUPLICATION_SCOPE: "queue",
    FIFO_THROUGHPUT_LIMIT: "perQueue",
}
_CHOICES = {
    DEDUPLICATION_SCOPE: ("messageGroup", "queue"),
    FIFO_THROUGHPUT_LIMIT: ("perQueue", "perMessageGroupId"),
}
_BOOLEANS = (SQS_MANAGED_SSE_ENABLED, FIFO_QUEUE, CONTENT_BASED_DEDUPLICATION)
_JSON_DOCUMENTS = (POLICY, REDRIVE_ALLOW_POLICY)
SETTABLE = frozenset({*INT_RANGES, POLICY, REDRIVE_POLICY, REDRIVE_ALLOW_POLICY, KMS_MASTER_KEY_ID,
                      SQS_MANAGED_SSE_ENABLED})  # fmt: skip
FIFO_ONLY = frozenset(FIFO_DEFAULTS)
COMPUTED = (
    APPROXIMATE_NUMBER_OF_MESSAGES,
    APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
    APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED,
    CREATED_TIMESTAMP,
    LAST_MODIFIED_TIMESTAMP,
    QUEUE_ARN,
)
KNOWN = frozenset({*SETTABLE, *FIFO_ONLY, *COMPUTED})
MAX_RECEIVE_COUNT = (1, 1000)
_FIFO_NAME = (
    "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
    "must end with .fifo suffix and be 1 to 80 in length."
)


def wants_fifo(attributes: Mapping[str, str]) -> bool:
    """Whether CreateQueue asks for a FIFO queue."""
    return attributes.get(FIFO_QUEUE, "false").lower() == "true"


def check_fifo_name(name: str, fifo: bool) -> None:
    if fifo != name.endswith(".fifo"):
        raise errors.InvalidParameterValue(_FIFO_NAME if fifo else _standard_name())


def _standard_name() -> str:
    return "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"


def normalize(attributes: Mapping[str, str], *, fifo: bool, creating: bool) -> dict[str, str]:
    """Validate settable attributes; return them normalized (RedrivePolicy's target is checked later)."""
    result = {}
    for name, value in attributes.items():
        if name in FIFO_ONLY and not fifo:
            raise errors.InvalidAttributeName(f"Unknown Attribute {name}.")
        if name == FIFO_QUEUE and not creating:
            raise errors.InvalidAttributeValue(
                "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported."
            )
        if name not in SETTABLE and name not in FIFO_ONLY:
            raise errors.InvalidAttributeName(f"Unknown Attribute {name}.")
        result[name] = _normalized_value(name, str(value))
    return result


def _normalized_value(name: str, value: str) -> str:
    if name in INT_RANGES:
        low, high = INT_RANGES[name]
        if not _is_int(value) or not low <= int(value) <= high:
            raise errors.InvalidAttributeValue(f"Invalid value for the parameter {name}.")
        return str(int(value))
    if name in _BOOLEANS:
        if value.lower() not in ("true", "false"):
            raise errors.InvalidAttributeValue(f"Invalid value for the parameter {name}.")
        return value.lower()
    if name in _CHOICES and value not in _CHOICES[name]:
        raise errors.InvalidAttributeValue(f"Invalid value for the parameter {name}.")
    if name == REDRIVE_POLICY:
        return normalize_redrive(value)
    if name in _JSON_DOCUMENTS and value:
        _json_object(name, value)
    return value


def normalize_redrive(value: str) -> str:
    """``{"deadLetterTargetArn": ARN, "maxReceiveCount": 1..1000}`` as canonical JSON; "" removes it."""
    if not value:
        return ""
    doc = _json_object(REDRIVE_POLICY, value)
    target, count = doc.get("deadLetterTargetArn"), doc.get("maxReceiveCount")
    if not isinstance(target, str) or not target:
        raise _bad_redrive(value, "Redrive policy is not a valid JSON map.")
    if not _is_int(str(count)) or not MAX_RECEIVE_COUNT[0] <= int(str(count)) <= MAX_RECEIVE_COUNT[1]:
        raise _bad_redrive(
            value,
            f"Invalid value for maxReceiveCount: {count}, valid values are from 1 to 1000 both inclusive.",
        )
    return json.dumps(
        {"deadLetterTargetArn": target, "maxReceiveCount": int(str(count))}, separators=(",", ":")
    )


def redrive_allows(allow_policy: str, source_arn: str) -> bool:
    """Whether a dead-letter queue's RedriveAllowPolicy lets ``source_arn`` use it."""
    if not allow_policy:
        return True
    doc = json.loads(allow_policy)
    permission = doc.get("redrivePermission", "allowAll")
    if permission == "denyAll":
        return False
    if permission == "byQueue":
        return source_arn in doc.get("sourceQueueArns", [])
    return True


def _bad_redrive(value: str, reason: str) -> errors.SqsError:
    return errors.invalid_value(REDRIVE_POLICY, value, reason)


def _json_object(name: str, value: str) -> dict[str, object]:
    try:
        doc = json.loads(value)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise errors.InvalidAttributeValue(f"Invalid value for the parameter {name}.")
    return doc


def _is_int(value: str) -> bool:
    return value.lstrip("-").isdigit() and value.isascii()


def requested(names: list[str], *, fifo: bool) -> list[str]:
    """The attribute names GetQueueAttributes answers for ``names`` (``All`` expands)."""
    for name in names:
        if name != ALL and name not in KNOWN:
            raise errors.InvalidAttributeName(f"Unknown Attribute {name}.")
    every = [*DEFAULTS, *INT_RANGES, POLICY, REDRIVE_POLICY, REDRIVE_ALLOW_POLICY, KMS_MASTER_KEY_ID,
             *COMPUTED, *(FIFO_DEFAULTS if fifo else ())]  # fmt: skip
    wanted = every if ALL in names else names
    return [n for n in dict.fromkeys(wanted) if fifo or n not in FIFO_ONLY]
