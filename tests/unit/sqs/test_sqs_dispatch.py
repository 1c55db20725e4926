"""Which requests the SQS API claims at the shared endpoint; everything else stays with S3."""

from __future__ import annotations

import pytest

from aerostore.http.context import RequestContext
from aerostore.sqs.api import SqsApi
from aerostore.sqs.service import QueueService

SQS_AUTH = (
    "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x"
)
S3_AUTH = SQS_AUTH.replace("/sqs/", "/s3/")
FORM = "application/x-www-form-urlencoded"


def ctx(method: str, headers: dict[str, str]) -> RequestContext:
    return RequestContext("id", 0.0, "127.0.0.1", "h", method, "/", "", headers)


@pytest.mark.parametrize(
    ("method", "headers", "claimed"),
    [
        (
            "POST",
            {"x-amz-target": "AmazonSQS.SendMessage", "content-type": "application/x-amz-json-1.0"},
            True,
        ),
        ("POST", {"content-type": FORM, "authorization": SQS_AUTH}, True),
        ("POST", {"content-type": FORM, "authorization": S3_AUTH}, False),
        ("POST", {"content-type": "multipart/form-data; boundary=x"}, False),
        ("PUT", {"authorization": SQS_AUTH}, False),
        ("GET", {}, False),
        ("POST", {"x-amz-target": "DynamoDB_20120810.GetItem"}, False),
    ],
    ids=["json", "query", "s3-form-signed", "s3-post-object", "put", "get", "other-target"],
)
def test_claims(method: str, headers: dict[str, str], claimed: bool) -> None:
    api = SqsApi(QueueService.__new__(QueueService), keys=None)  # type: ignore[arg-type]
    assert api.claims(ctx(method, headers)) is claimed
