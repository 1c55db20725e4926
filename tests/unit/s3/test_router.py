from __future__ import annotations

import pytest

from aerostore.s3 import errors
from aerostore.s3.operations import Operation as Op
from aerostore.s3.router import decode_path, route, split_host

CASES = [
    ("GET", "/", {}, {}, Op.ListBuckets),
    ("PUT", "/b", {}, {}, Op.CreateBucket),
    ("HEAD", "/b", {}, {}, Op.HeadBucket),
    ("DELETE", "/b", {}, {}, Op.DeleteBucket),
    ("GET", "/b", {}, {}, Op.ListObjects),
    ("GET", "/b", {"list-type": "2"}, {}, Op.ListObjectsV2),
    ("GET", "/b", {"location": ""}, {}, Op.GetBucketLocation),
    ("GET", "/b", {"versions": ""}, {}, Op.ListObjectVersions),
    ("GET", "/b", {"uploads": ""}, {}, Op.ListMultipartUploads),
    ("GET", "/b", {"cors": ""}, {}, Op.GetBucketCors),
    ("PUT", "/b", {"cors": ""}, {}, Op.PutBucketCors),
    ("DELETE", "/b", {"cors": ""}, {}, Op.DeleteBucketCors),
    ("POST", "/b", {"cors": ""}, {}, Op.Unsupported),
    ("POST", "/b", {}, {"content-type": "multipart/form-data; boundary=x"}, Op.PostObject),
    ("POST", "/b", {}, {"content-type": "application/xml"}, Op.Unsupported),
    ("POST", "/b/k", {}, {"content-type": "multipart/form-data; boundary=x"}, Op.Unsupported),
    ("POST", "/b", {"delete": ""}, {}, Op.DeleteObjects),
    ("GET", "/b/k", {}, {}, Op.GetObject),
    ("HEAD", "/b/k", {}, {}, Op.HeadObject),
    ("PUT", "/b/k", {}, {}, Op.PutObject),
    ("PUT", "/b/k", {}, {"x-amz-copy-source": "b/src"}, Op.CopyObject),
    ("DELETE", "/b/k", {}, {}, Op.DeleteObject),
    ("POST", "/b/k", {"uploads": ""}, {}, Op.CreateMultipartUpload),
    ("PUT", "/b/k", {"partNumber": "1", "uploadId": "u"}, {}, Op.UploadPart),
    ("PUT", "/b/k", {"partNumber": "1", "uploadId": "u"}, {"x-amz-copy-source": "b/s"}, Op.UploadPartCopy),
    ("POST", "/b/k", {"uploadId": "u"}, {}, Op.CompleteMultipartUpload),
    ("DELETE", "/b/k", {"uploadId": "u"}, {}, Op.AbortMultipartUpload),
    ("GET", "/b/k", {"uploadId": "u"}, {}, Op.ListParts),
    ("GET", "/b/k", {"tagging": ""}, {}, Op.GetObjectTagging),
    ("PUT", "/b/k", {"tagging": ""}, {}, Op.PutObjectTagging),
    ("PUT", "/b/k", {"tagging": "", "versionId": "v"}, {}, Op.PutObjectTagging),
    ("DELETE", "/b/k", {"tagging": ""}, {}, Op.DeleteObjectTagging),
    ("POST", "/b/k", {"tagging": ""}, {}, Op.Unsupported),
    ("GET", "/b/k", {"tagging": "", "acl": ""}, {}, Op.GetObjectAcl),
    ("GET", "/b/k", {"acl": ""}, {}, Op.GetObjectAcl),
    ("PUT", "/b/k", {"acl": "", "versionId": "v"}, {}, Op.PutObjectAcl),
    ("DELETE", "/b/k", {"acl": ""}, {}, Op.Unsupported),
    ("GET", "/b", {"acl": ""}, {}, Op.GetBucketAcl),
    ("PUT", "/b", {"acl": ""}, {}, Op.PutBucketAcl),
    ("GET", "/b", {"policy": ""}, {}, Op.GetBucketPolicy),
    ("PUT", "/b", {"policy": ""}, {}, Op.PutBucketPolicy),
    ("DELETE", "/b", {"policy": ""}, {}, Op.DeleteBucketPolicy),
    ("GET", "/b", {"policyStatus": ""}, {}, Op.GetBucketPolicyStatus),
    ("PUT", "/b", {"policyStatus": ""}, {}, Op.Unsupported),
    ("GET", "/b", {"publicAccessBlock": ""}, {}, Op.GetPublicAccessBlock),
    ("PUT", "/b", {"publicAccessBlock": ""}, {}, Op.PutPublicAccessBlock),
    ("DELETE", "/b", {"publicAccessBlock": ""}, {}, Op.DeletePublicAccessBlock),
    ("GET", "/b", {"ownershipControls": ""}, {}, Op.GetBucketOwnershipControls),
    ("PUT", "/b", {"ownershipControls": ""}, {}, Op.PutBucketOwnershipControls),
    ("DELETE", "/b", {"ownershipControls": ""}, {}, Op.DeleteBucketOwnershipControls),
    ("GET", "/b", {"tagging": ""}, {}, Op.GetBucketTagging),
    ("PUT", "/b", {"tagging": ""}, {}, Op.PutBucketTagging),
    ("DELETE", "/b", {"tagging": ""}, {}, Op.DeleteBucketTagging),
    ("POST", "/b", {"tagging": ""}, {}, Op.Unsupported),
    ("GET", "/b", {"versioning": ""}, {}, Op.GetBucketVersioning),
    ("PUT", "/b", {"versioning": ""}, {}, Op.PutBucketVersioning),
    ("DELETE", "/b", {"versioning": ""}, {}, Op.Unsupported),
    ("GET", "/b", {"object-lock": ""}, {}, Op.GetObjectLockConfiguration),
    ("PUT", "/b", {"object-lock": ""}, {}, Op.PutObjectLockConfiguration),
    ("DELETE", "/b", {"object-lock": ""}, {}, Op.Unsupported),
    ("GET", "/b/k", {"retention": ""}, {}, Op.GetObjectRetention),
    ("PUT", "/b/k", {"retention": "", "versionId": "v"}, {}, Op.PutObjectRetention),
    ("DELETE", "/b/k", {"retention": ""}, {}, Op.Unsupported),
    ("GET", "/b/k", {"legal-hold": "", "versionId": "v"}, {}, Op.GetObjectLegalHold),
    ("PUT", "/b/k", {"legal-hold": ""}, {}, Op.PutObjectLegalHold),
    ("POST", "/b/k", {"legal-hold": ""}, {}, Op.Unsupported),
    ("PATCH", "/b/k", {}, {}, Op.Unsupported),
]


@pytest.mark.parametrize(("method", "path", "query", "headers", "op"), CASES,
                         ids=[f"{c[0]} {c[1]} {c[4].value}" for c in CASES])  # fmt: skip
def test_route_table(method: str, path: str, query: dict[str, str], headers: dict[str, str], op: Op) -> None:
    assert route(method, "", path, query, headers).op is op


def test_key_keeps_slashes_and_dots() -> None:
    target = route("GET", "", "/b//a/../k/", {}, {})
    assert (target.bucket, target.key) == ("b", "/a/../k/")


def test_virtual_hosted_bucket() -> None:
    assert split_host("photos.s3.example.com:9000", ("s3.example.com",)) == "photos"
    assert split_host("127.0.0.1:9000", ("localhost",)) == ""
    target = route("GET", "photos", "/a/b", {}, {})
    assert (target.bucket, target.key, target.op) == ("photos", "a/b", Op.GetObject)


def test_key_over_1024_bytes_is_refused() -> None:
    with pytest.raises(errors.KeyTooLongError):
        route("PUT", "", "/b/" + "é" * 513, {}, {})


def test_undecodable_path_is_invalid_uri() -> None:
    with pytest.raises(errors.InvalidURI):
        decode_path("/b/%ff%fe")
