"""SQS beside S3 at one endpoint: the query protocol, authentication errors, hostile bodies."""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .conftest import sqs_client_for
from .server import ROOT_PASSWORD, ROOT_USER, Server

NS = {"q": "http://queue.amazonaws.com/doc/2012-11-05/"}
JSON_TYPE = "application/x-amz-json-1.0"


def signed(
    url: str, body: bytes, headers: dict[str, str], *, secret: str = ROOT_PASSWORD, key: str = ROOT_USER
) -> requests.Response:
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    SigV4Auth(Credentials(key, secret), "sqs", "us-east-1").add_auth(request)
    return requests.post(url, data=body, headers=dict(request.headers.items()), timeout=30)


def query(server: Server, params: dict[str, str], path: str = "/") -> tuple[int, ET.Element]:
    body = urlencode({**params, "Version": "2012-11-05"}).encode()
    response = signed(server.endpoint + path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    return response.status_code, ET.fromstring(response.content)


def json_call(server: Server, action: str, params: object, **kwargs: str) -> requests.Response:
    headers = {"Content-Type": JSON_TYPE, "X-Amz-Target": f"AmazonSQS.{action}"}
    return signed(server.endpoint + "/", json.dumps(params).encode(), headers, **kwargs)


def test_query_protocol_round_trip(server: Server) -> None:
    name = f"query-{uuid.uuid4().hex[:10]}"
    status, doc = query(
        server,
        {
            "Action": "CreateQueue",
            "QueueName": name,
            "Attribute.1.Name": "VisibilityTimeout",
            "Attribute.1.Value": "7",
        },
    )
    assert status == 200
    url = doc.findtext("q:CreateQueueResult/q:QueueUrl", namespaces=NS)
    assert url == f"{server.endpoint}/000000000000/{name}"
    status, doc = query(
        server,
        {
            "Action": "SendMessage",
            "QueueUrl": url,
            "MessageBody": "via <query> & form\r\n",
            "MessageAttribute.1.Name": "k",
            "MessageAttribute.1.Value.DataType": "String",
            "MessageAttribute.1.Value.StringValue": "v",
        },
    )
    assert status == 200 and doc.findtext("q:SendMessageResult/q:MD5OfMessageAttributes", namespaces=NS)
    status, doc = query(
        server,
        {"Action": "ReceiveMessage", "AttributeName.1": "All", "MessageAttributeName.1": "All"},
        path=f"/000000000000/{name}",
    )
    message = doc.find("q:ReceiveMessageResult/q:Message", NS)
    assert status == 200 and message is not None
    assert message.findtext("q:Body", namespaces=NS) == "via <query> & form\r\n"
    names = [a.findtext("q:Name", namespaces=NS) for a in message.findall("q:Attribute", NS)]
    assert "ApproximateReceiveCount" in names
    assert message.findtext("q:MessageAttribute/q:Value/q:StringValue", namespaces=NS) == "v"
    status, doc = query(server, {"Action": "GetQueueAttributes", "QueueUrl": url, "AttributeName.1": "All"})
    attributes = {
        a.findtext("q:Name", namespaces=NS): a.findtext("q:Value", namespaces=NS)
        for a in doc.findall("q:GetQueueAttributesResult/q:Attribute", NS)
    }
    assert (
        attributes["VisibilityTimeout"] == "7" and attributes["ApproximateNumberOfMessagesNotVisible"] == "1"
    )
    status, doc = query(server, {"Action": "DeleteQueue", "QueueUrl": str(url)})
    assert status == 200 and doc.tag == f"{{{NS['q']}}}DeleteQueueResponse"


def test_query_protocol_error(server: Server) -> None:
    status, doc = query(server, {"Action": "GetQueueUrl", "QueueName": "missing-queue-name"})
    assert status == 400 and doc.tag == f"{{{NS['q']}}}ErrorResponse"
    assert doc.findtext("q:Error/q:Code", namespaces=NS) == "AWS.SimpleQueueService.NonExistentQueue"
    assert doc.findtext("q:Error/q:Type", namespaces=NS) == "Sender"
    status, doc = query(server, {"Action": "Frobnicate"})
    assert status == 400 and doc.findtext("q:Error/q:Code", namespaces=NS) == "InvalidAction"


def test_json_error_wire_format(server: Server) -> None:
    response = json_call(server, "GetQueueUrl", {"QueueName": "missing-queue-name"})
    assert response.status_code == 400
    assert response.headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    assert response.headers["content-type"] == JSON_TYPE
    assert response.json() == {
        "__type": "com.amazonaws.sqs#QueueDoesNotExist",
        "message": "The specified queue does not exist.",
    }


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"secret": "wrong-secret"}, 403, "SignatureDoesNotMatch"),
        ({"key": "UNKNOWNKEY"}, 403, "InvalidClientTokenId"),
    ],
    ids=["bad-secret", "unknown-key"],
)
def test_json_auth_errors(server: Server, kwargs: dict[str, str], status: int, code: str) -> None:
    response = json_call(server, "ListQueues", {}, **kwargs)
    assert response.status_code == status
    assert response.headers["x-amzn-query-error"] == f"{code};Sender"


def test_unsigned_request_is_denied(server: Server) -> None:
    response = requests.post(
        server.endpoint + "/",
        data=b"{}",
        timeout=10,
        headers={"Content-Type": JSON_TYPE, "X-Amz-Target": "AmazonSQS.ListQueues"},
    )
    assert response.status_code == 403 and response.json()["__type"].endswith("#AccessDeniedException")


@pytest.mark.parametrize(
    ("action", "body", "code"),
    [
        ("ListQueues", b"{not json", "SerializationException"),
        ("ListQueues", b"[1, 2]", "SerializationException"),
        ("Frobnicate", b"{}", "UnknownOperation"),
        ("SendMessage", b'{"QueueUrl": 5, "MessageBody": "x"}', "MissingParameter"),
        ("SendMessage", b'{"QueueUrl": "http://h/000000000000/q", "MessageBody": ["x"]}', "MissingParameter"),
        ("ReceiveMessage", b'{"QueueUrl": "nonsense"}', "InvalidAddress"),
        ("CreateQueue", b'{"QueueName": "x", "Attributes": "nope"}', "InvalidParameterValue"),
    ],
    ids=[
        "bad-json",
        "not-an-object",
        "unknown-action",
        "url-type",
        "body-type",
        "bad-url",
        "attributes-type",
    ],
)
def test_hostile_json_bodies_get_sqs_errors_not_500(
    server: Server, action: str, body: bytes, code: str
) -> None:
    headers = {"Content-Type": JSON_TYPE, "X-Amz-Target": f"AmazonSQS.{action}"}
    response = signed(server.endpoint + "/", body, headers)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["x-amzn-query-error"].split(";")[0] == code


def test_s3_and_sqs_share_the_endpoint(s3, server: Server) -> None:  # type: ignore[no-untyped-def]
    sqs = sqs_client_for(server)
    bucket = f"shared-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    url = sqs.create_queue(QueueName=bucket)["QueueUrl"]  # type: ignore[attr-defined]
    sqs.send_message(QueueUrl=url, MessageBody="m")  # type: ignore[attr-defined]
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "m"  # type: ignore[attr-defined]
    sqs.delete_queue(QueueUrl=url)  # type: ignore[attr-defined]
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)
