"""PostObject: a browser form upload, signed by a POST policy, stored exactly as a PutObject.

The form's fields come first and are checked (signature, expiration, conditions, no uncovered
field) before a byte of the file is stored; the file then streams into the engine like a PUT
body, with ``content-length-range`` enforced as it arrives.
See https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlsplit

from aerostore.auth import post_policy, sigv4
from aerostore.events.model import EventName
from aerostore.events.notifier import current_origin
from aerostore.http.context import Result
from aerostore.http.forms import FilePart, FormReader
from aerostore.http.streams import BodyReader
from aerostore.s3 import errors, tags, xml
from aerostore.s3.handlers import object_lock
from aerostore.s3.handlers.acl import write_acl
from aerostore.s3.handlers.common import CONTENT_HEADERS, META_PREFIX, attrs_from_headers
from aerostore.s3.handlers.object_put import write_headers
from aerostore.s3.request import S3Request
from aerostore.s3.router import MAX_KEY_BYTES
from aerostore.storage.model import ObjectVersion

FILENAME_VARIABLE = "${filename}"
# Form fields that are object headers of a PutObject, besides x-amz-meta-* and x-amz-checksum-*.
OBJECT_FIELDS = (*CONTENT_HEADERS, "content-type", "content-md5", "x-amz-storage-class")
SUCCESS_STATUSES = {"200": 200, "201": 201, "204": 204}


async def post_object(req: S3Request, keys: sigv4.KeyStore) -> Result:
    bucket = req.engine.get_bucket(req.bucket)
    form = FormReader(req.receive, req.headers.get("content-type", ""))
    fields, part = await form.fields()
    if part is None:
        raise errors.InvalidArgument(
            "POST requires exactly one file upload per request.", ArgumentName="file", ArgumentValue="0"
        )
    key = _key(fields, part)
    fields["key"] = key  # conditions on $key see the name with ${filename} replaced
    principal, policy = _authenticate(fields, keys, req.bucket)
    req.ctx.audit.update(principal=principal.user, access_key_id=principal.access_key, key=key)
    _authorize(req, principal, key)
    headers = _object_headers(fields)
    attrs = attrs_from_headers(headers)
    if "tagging" in fields:
        attrs = replace(attrs, tags=tags.parse_document(fields["tagging"].encode(), tags.Scope.OBJECT))
    object_lock.check_write(replace(req, ctx=replace(req.ctx, headers=headers)), bucket, attrs, has_body=True)
    attrs = replace(attrs, acl=write_acl(req, principal.user, headers))
    body = _file_body(form, policy, headers, principal)
    origin = current_origin.get()
    if origin is not None:
        current_origin.set(replace(origin, principal_id=principal.access_key))
    version = await req.engine.put_object(req.bucket, key, body, attrs, event=EventName.OBJECT_CREATED_POST)
    await form.drain()
    return _answer(req, fields, version)


def _key(fields: Mapping[str, str], part: FilePart) -> str:
    if "key" not in fields:
        raise errors.InvalidArgument(
            "Bucket POST must contain a field named 'key'.  "
            "If it is specified, please check the order of the fields.",
            ArgumentName="key",
            ArgumentValue="",
        )
    key = fields["key"].replace(FILENAME_VARIABLE, part.filename)
    if not key:
        raise errors.InvalidArgument("User key must have a length greater than 0.", ArgumentName="key")
    size = len(key.encode("utf-8", "surrogatepass"))
    if size > MAX_KEY_BYTES:
        raise errors.KeyTooLongError(Size=str(size), MaxSizeAllowed=str(MAX_KEY_BYTES))
    return key


def _authenticate(
    fields: Mapping[str, str], keys: sigv4.KeyStore, bucket: str
) -> tuple[sigv4.Principal, post_policy.Policy | None]:
    """A form without a policy is anonymous; one with a policy must be signed and obey it."""
    if "policy" not in fields:
        return sigv4.Principal.ANONYMOUS, None
    principal = post_policy.verify_signature(fields, keys)
    policy = post_policy.parse(fields["policy"])
    post_policy.check(policy, fields, bucket, time.time())
    return principal, policy


def _authorize(req: S3Request, principal: sigv4.Principal, key: str) -> None:
    """PostObject needs ``s3:PutObject`` on the key, as PutObject does."""
    if req.access is not None:
        auth_type = "anonymous" if principal is sigv4.Principal.ANONYMOUS else "post"
        req.access.authorize(
            principal=principal, operation=req.route.op, bucket=req.bucket, key=key, ctx=req.ctx,
            query=req.query, headers=req.headers, auth_type=auth_type,
        )  # fmt: skip
    elif not principal.is_root:
        raise errors.AccessDenied()


def _object_headers(fields: Mapping[str, str]) -> dict[str, str]:
    """The form fields a PutObject would send as headers, named as those headers."""
    headers = {name: value for name, value in fields.items() if name in OBJECT_FIELDS}
    headers.update({n: v for n, v in fields.items() if n.startswith((META_PREFIX, "x-amz-checksum-"))})
    if "acl" in fields:
        headers["x-amz-acl"] = fields["acl"]
    if "x-amz-checksum-algorithm" in fields:
        headers["x-amz-sdk-checksum-algorithm"] = fields["x-amz-checksum-algorithm"]
    return headers


def _file_body(
    form: FormReader,
    policy: post_policy.Policy | None,
    headers: Mapping[str, str],
    principal: sigv4.Principal,
) -> BodyReader:
    """The file part as a request body: hashed and checked (checksum fields) as a PUT body is."""
    chunks = form.file().__aiter__()
    size = 0

    async def receive() -> dict[str, Any]:
        nonlocal size
        try:
            chunk = await anext(chunks)
        except StopAsyncIteration:
            if policy is not None:
                post_policy.check_length(policy, size, final=True)
            return {"type": "http.request", "body": b"", "more_body": False}
        size += len(chunk)
        if policy is not None:
            post_policy.check_length(policy, size, final=False)
        return {"type": "http.request", "body": chunk, "more_body": True}

    body_headers = {**headers, "transfer-encoding": "chunked"}
    return BodyReader(receive, body_headers, sigv4.AuthResult(principal, sigv4.UNSIGNED_PAYLOAD))


def _answer(req: S3Request, fields: Mapping[str, str], version: ObjectVersion) -> Result:
    """303 to ``success_action_redirect``, else ``success_action_status`` (201: a PostResponse), else 204."""
    headers = write_headers(version)
    location = _object_url(req, version.key)
    headers["location"] = location
    audit = {"bytes_received": version.size, "version_id": version.version_id}
    redirect = fields.get("success_action_redirect") or fields.get("redirect")
    if redirect and urlsplit(redirect).scheme in ("http", "https"):
        query = f"bucket={quote(req.bucket)}&key={quote(version.key)}&etag={quote(headers['etag'])}"
        headers["location"] = f"{redirect}{'&' if '?' in redirect else '?'}{query}"
        return Result(status=303, headers=headers, audit=audit)
    status = SUCCESS_STATUSES.get(fields.get("success_action_status", ""), 204)
    if status != 201:
        return Result(status=status, headers=headers, audit=audit)
    content: list[tuple[str, xml.Content]] = [
        ("Location", location), ("Bucket", req.bucket), ("Key", version.key), ("ETag", headers["etag"]),
    ]  # fmt: skip
    body = xml.document("PostResponse", content, namespace=False)
    return Result(status=201, headers={**headers, "content-type": "application/xml"}, body=body, audit=audit)


def _object_url(req: S3Request, key: str) -> str:
    scheme = "https" if req.ctx.secure else "http"
    return f"{scheme}://{req.ctx.host}/{quote(req.bucket)}/{quote(key)}"
