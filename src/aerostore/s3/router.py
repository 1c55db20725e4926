"""Request → Operation, as a pure function (garage's ``Endpoint::from_request``).

Bad shapes (undecodable paths, keys over 1,024 bytes) are refused here, before any
authentication or storage work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from aerostore.s3 import errors
from aerostore.s3.operations import Operation as Op

MAX_KEY_BYTES = 1024

# Sub-resources S3 knows on a bucket and on an object, which aerostore does not serve yet:
# they answer NotImplemented rather than being mistaken for a plain GET/PUT.
_BUCKET_SUBRESOURCES = {
    "accelerate", "acl", "analytics", "cors", "encryption", "intelligent-tiering", "inventory",
    "logging", "metrics", "ownershipControls", "policy",
    "policyStatus", "publicAccessBlock", "replication", "requestPayment", "website", "metadataTable",
}  # fmt: skip
_OBJECT_SUBRESOURCES = {"acl", "torrent", "select"}
# Sub-resources served, by method: bucket configurations and an object version's lock.
_BUCKET_CONFIGS = {
    "versioning": {"GET": Op.GetBucketVersioning, "PUT": Op.PutBucketVersioning},
    "object-lock": {"GET": Op.GetObjectLockConfiguration, "PUT": Op.PutObjectLockConfiguration},
    "notification": {
        "GET": Op.GetBucketNotificationConfiguration,
        "PUT": Op.PutBucketNotificationConfiguration,
    },
    "cors": {"GET": Op.GetBucketCors, "PUT": Op.PutBucketCors, "DELETE": Op.DeleteBucketCors},
    "lifecycle": {
        "GET": Op.GetBucketLifecycleConfiguration,
        "PUT": Op.PutBucketLifecycleConfiguration,
        "DELETE": Op.DeleteBucketLifecycle,
    },
    "policy": {"GET": Op.GetBucketPolicy, "PUT": Op.PutBucketPolicy, "DELETE": Op.DeleteBucketPolicy},
    "policyStatus": {"GET": Op.GetBucketPolicyStatus},
    "publicAccessBlock": {
        "GET": Op.GetPublicAccessBlock,
        "PUT": Op.PutPublicAccessBlock,
        "DELETE": Op.DeletePublicAccessBlock,
    },
    "ownershipControls": {
        "GET": Op.GetBucketOwnershipControls,
        "PUT": Op.PutBucketOwnershipControls,
        "DELETE": Op.DeleteBucketOwnershipControls,
    },
    "acl": {"GET": Op.GetBucketAcl, "PUT": Op.PutBucketAcl},
}
_OBJECT_LOCKS = {
    "retention": {"GET": Op.GetObjectRetention, "PUT": Op.PutObjectRetention},
    "legal-hold": {"GET": Op.GetObjectLegalHold, "PUT": Op.PutObjectLegalHold},
}
_BUCKET_TAGGING = {"GET": Op.GetBucketTagging, "PUT": Op.PutBucketTagging, "DELETE": Op.DeleteBucketTagging}
_OBJECT_ACL = {"GET": Op.GetObjectAcl, "PUT": Op.PutObjectAcl}
_OBJECT_TAGGING = {"GET": Op.GetObjectTagging, "PUT": Op.PutObjectTagging, "DELETE": Op.DeleteObjectTagging}


@dataclass(frozen=True, slots=True)
class Route:
    op: Op
    bucket: str
    key: str


def split_host(host: str, domains: tuple[str, ...]) -> str:
    """The bucket named by a virtual-hosted-style Host header, or "" for path style."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    for domain in domains:
        if name.endswith("." + domain):
            return name[: -len(domain) - 1]
    return ""


def decode_path(raw_path: str) -> str:
    try:
        return unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        raise errors.InvalidURI() from None


def route(
    method: str, host_bucket: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]
) -> Route:
    """Select the operation for a request. ``path`` is already percent-decoded."""
    if host_bucket:
        bucket, key = host_bucket, path[1:]
    else:
        bucket, _, key = path[1:].partition("/")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        size = len(key.encode("utf-8", "surrogatepass"))
        raise errors.KeyTooLongError(Size=str(size), MaxSizeAllowed=str(MAX_KEY_BYTES))
    if not bucket:
        op = Op.ListBuckets if method in ("GET", "HEAD") else Op.Unsupported
        return Route(op, "", "")
    op = _object_op(method, query, headers) if key else _bucket_op(method, query)
    if op is Op.Unsupported and not key and method == "POST" and _is_form(headers, query):
        op = Op.PostObject
    return Route(op, bucket, key)


def _is_form(headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
    """PostObject: a browser form POSTed to the bucket itself."""
    content_type = headers.get("content-type", "").lower()
    return content_type.startswith("multipart/form-data") and not query.keys() & {"delete", "uploads"}


def _sub_op(method: str, query: Mapping[str, str], table: dict[str, dict[str, Op]]) -> Op | None:
    """The operation of the first sub-resource of ``table`` in the query; None if there is none."""
    for name, ops in table.items():
        if name in query:
            return ops.get(method, Op.Unsupported)
    return None


def _bucket_op(method: str, query: Mapping[str, str]) -> Op:
    if "tagging" in query and not _BUCKET_SUBRESOURCES & query.keys():
        return _BUCKET_TAGGING.get(method, Op.Unsupported)
    if (config := _sub_op(method, query, _BUCKET_CONFIGS)) is not None:
        return config
    if method == "GET":
        if "location" in query:
            return Op.GetBucketLocation
        if "versions" in query:
            return Op.ListObjectVersions
        if "uploads" in query:
            return Op.ListMultipartUploads
        if _BUCKET_SUBRESOURCES & query.keys():
            return Op.Unsupported
        return Op.ListObjectsV2 if query.get("list-type") == "2" else Op.ListObjects
    if method == "HEAD":
        return Op.HeadBucket
    if method == "PUT":
        return Op.Unsupported if _BUCKET_SUBRESOURCES & query.keys() else Op.CreateBucket
    if method == "DELETE":
        return Op.Unsupported if _BUCKET_SUBRESOURCES & query.keys() else Op.DeleteBucket
    if method == "POST":
        return Op.DeleteObjects if "delete" in query else Op.Unsupported
    return Op.Unsupported


def _object_op(method: str, query: Mapping[str, str], headers: Mapping[str, str]) -> Op:
    if "acl" in query:
        return _OBJECT_ACL.get(method, Op.Unsupported)
    if "restore" in query:
        return Op.RestoreObject if method == "POST" else Op.Unsupported
    if _OBJECT_SUBRESOURCES & query.keys() or ("attributes" in query and method != "GET"):
        return Op.Unsupported
    if (lock := _sub_op(method, query, _OBJECT_LOCKS)) is not None:
        return lock
    if "tagging" in query:
        return _OBJECT_TAGGING.get(method, Op.Unsupported)
    if method == "GET":
        if "attributes" in query:
            return Op.GetObjectAttributes
        return Op.ListParts if "uploadId" in query else Op.GetObject
    if method == "HEAD":
        return Op.HeadObject
    if method == "PUT":
        if "partNumber" in query and "uploadId" in query:
            return Op.UploadPartCopy if "x-amz-copy-source" in headers else Op.UploadPart
        return Op.CopyObject if "x-amz-copy-source" in headers else Op.PutObject
    if method == "DELETE":
        return Op.AbortMultipartUpload if "uploadId" in query else Op.DeleteObject
    if method == "POST":
        if "uploads" in query:
            return Op.CreateMultipartUpload
        if "uploadId" in query:
            return Op.CompleteMultipartUpload
    return Op.Unsupported
