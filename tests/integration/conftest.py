from __future__ import annotations

import datetime
import ipaddress
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .server import ROOT_PASSWORD, ROOT_USER, Server, free_port


def make_self_signed(directory: Path) -> tuple[Path, Path]:
    """A throw-away CA-style certificate for 127.0.0.1, made at test time."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("srv") / "data", free_port()).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("tls")
    srv = Server(base / "data", free_port(), tls=make_self_signed(base)).start()
    yield srv
    srv.stop()


def client_for(srv: Server, **kwargs: object) -> object:
    verify = str(srv.tls[0]) if srv.tls else None
    return boto3.client(
        "s3", endpoint_url=srv.endpoint, aws_access_key_id=ROOT_USER, aws_secret_access_key=ROOT_PASSWORD,
        region_name="us-east-1", verify=verify, **kwargs,
    )  # fmt: skip


@pytest.fixture(scope="session")
def s3(server: Server):  # type: ignore[no-untyped-def]
    return client_for(server)


@pytest.fixture(scope="session")
def s3_tls(tls_server: Server):  # type: ignore[no-untyped-def]
    return client_for(tls_server)


@pytest.fixture
def bucket(s3) -> Iterator[str]:  # type: ignore[no-untyped-def]
    name = f"test-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    yield name
    empty_bucket(s3, name)


def empty_bucket(s3, name: str) -> None:  # type: ignore[no-untyped-def]
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
        items = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", [])]
        items += [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("DeleteMarkers", [])]
        if items:
            s3.delete_objects(Bucket=name, Delete={"Objects": items, "Quiet": True})
    for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    s3.delete_bucket(Bucket=name)


@pytest.fixture
def aws_env(server: Server, tmp_path: Path) -> dict[str, str]:
    """Environment for the aws cli at its default settings, pointed at the test server."""
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID=ROOT_USER, AWS_SECRET_ACCESS_KEY=ROOT_PASSWORD, AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(tmp_path / "no-config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-creds"),
    )  # fmt: skip
    return env


def sqs_client_for(srv: Server, **kwargs: object) -> object:
    """boto3's SQS client at its default settings (JSON protocol), at the same endpoint as S3."""
    return boto3.client(
        "sqs", endpoint_url=srv.endpoint, aws_access_key_id=ROOT_USER, aws_secret_access_key=ROOT_PASSWORD,
        region_name="us-east-1", **kwargs,
    )  # fmt: skip


@pytest.fixture(scope="session")
def sqs(server: Server):  # type: ignore[no-untyped-def]
    return sqs_client_for(server)


@pytest.fixture
def queue_url(sqs) -> Iterator[str]:  # type: ignore[no-untyped-def]
    url: str = sqs.create_queue(QueueName=f"test-{uuid.uuid4().hex[:16]}")["QueueUrl"]
    yield url
    sqs.delete_queue(QueueUrl=url)
