"""Every SQS error renders as AWS does in both protocols; SigV4 checks the credential's service."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from aerostore.auth import sigv4
from aerostore.http.context import RequestContext
from aerostore.s3 import errors as s3errors
from aerostore.sqs import errors, protocol_json, protocol_query
from aerostore.sqs.auth import authenticate

CATALOG = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, errors.SqsError)]
AK, SECRET = "AKIDSQS", "sqs-secret-key"


@pytest.mark.parametrize("error", CATALOG, ids=lambda e: e.code)
def test_json_rendering(error: type[errors.SqsError]) -> None:
    result = protocol_json.render_error(error(), "rid")
    fault = "Receiver" if error.status >= 500 else "Sender"
    assert result.status == error.status
    assert result.headers["x-amzn-query-error"] == f"{error.query_code};{fault}"
    assert isinstance(result.body, bytes)
    assert json.loads(result.body) == {"__type": f"com.amazonaws.sqs#{error.code}", "message": error.message}


@pytest.mark.parametrize("error", CATALOG, ids=lambda e: e.code)
def test_query_rendering(error: type[errors.SqsError]) -> None:
    result = protocol_query.render_error(error("a <detail> & more"), "rid")
    assert isinstance(result.body, bytes)
    doc = ET.fromstring(result.body)
    ns = {"q": protocol_query.NAMESPACE}
    assert doc.findtext("q:Error/q:Code", namespaces=ns) == error.query_code
    assert doc.findtext("q:Error/q:Message", namespaces=ns) == "a <detail> & more"


class Keys:
    def secret_for(self, access_key: str) -> tuple[str, sigv4.Principal] | None:
        return (SECRET, sigv4.Principal(AK, "root", True)) if access_key == AK else None


def signed_context(service: str, body: bytes, secret: str = SECRET) -> RequestContext:
    request = AWSRequest(
        method="POST",
        url="http://h:1/",
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues"},
    )
    SigV4Auth(Credentials(AK, secret), service, "us-east-1").add_auth(request)
    headers = {k.lower(): v for k, v in request.headers.items()} | {"host": "h:1"}
    return RequestContext("id", time.time(), "", "h:1", "POST", "/", "", headers)


def test_an_sqs_signature_authenticates() -> None:
    assert authenticate(signed_context("sqs", b"{}"), b"{}", Keys()).access_key == AK


def test_an_s3_scoped_credential_is_refused_for_sqs() -> None:
    with pytest.raises(errors.IncompleteSignature, match='incorrect service "s3"'):
        authenticate(signed_context("s3", b"{}"), b"{}", Keys())


def test_a_body_other_than_the_signed_one_does_not_match() -> None:
    with pytest.raises(errors.SignatureDoesNotMatch):
        authenticate(signed_context("sqs", b"{}"), b'{"QueueNamePrefix": "x"}', Keys())


def test_a_wrong_secret_does_not_match() -> None:
    with pytest.raises(errors.SignatureDoesNotMatch):
        authenticate(signed_context("sqs", b"{}", secret="other"), b"{}", Keys())


def test_verify_still_defaults_to_s3() -> None:
    ctx = signed_context("sqs", b"{}")
    headers = dict(ctx.headers) | {sigv4.X_AMZ_CONTENT_SHA256: sigv4.EMPTY_SHA256}
    with pytest.raises(s3errors.AuthorizationHeaderMalformed):
        sigv4.verify("POST", "/", "", headers, Keys(), time.time())
