"""DeleteObject and DeleteObjects (quiet and verbose).

See https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
"""

from __future__ import annotations

from aerostore.http.context import Result
from aerostore.s3 import errors, xml
from aerostore.s3.handlers import object_lock
from aerostore.s3.handlers.common import NOT_IMPLEMENTED_HEADER, require_integrity_header
from aerostore.s3.request import S3Request
from aerostore.s3.router import MAX_KEY_BYTES
from aerostore.storage.model import NULL_VERSION, ObjectVersion

MAX_DELETE_KEYS = 1000
# Conditional deletes (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html)
# must be checked in the same transaction as the delete; until the engine can, they are refused
# rather than ignored, which would delete what the client asked to keep.
CONDITIONAL_DELETE_HEADERS = ("if-match", "x-amz-if-match-last-modified-time", "x-amz-if-match-size")
CONDITIONAL_DELETE_ELEMENTS = ("ETag", "LastModifiedTime", "Size")


def _outcome_headers(deleted: ObjectVersion | None, asked_version: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if deleted is None:
        return headers
    if deleted.delete_marker:
        headers["x-amz-delete-marker"] = "true"
    if deleted.version_id != NULL_VERSION or asked_version is not None or deleted.delete_marker:
        headers["x-amz-version-id"] = deleted.version_id
    return headers


def _refuse_conditions(header: str) -> errors.S3Error:
    return errors.NotImplemented(NOT_IMPLEMENTED_HEADER, Header=header)


async def delete_object(req: S3Request) -> Result:
    for header in CONDITIONAL_DELETE_HEADERS:
        if header in req.headers:
            raise _refuse_conditions(header)
    version_id = req.query.get("versionId")
    req.engine.get_bucket(req.bucket)
    bypass = object_lock.bypass_governance(req)
    deleted = await req.engine.delete_object(req.bucket, req.key, version_id, bypass_governance=bypass)
    audit = {"version_id": deleted.version_id if deleted else version_id}
    return Result(status=204, headers=_outcome_headers(deleted, version_id), audit=audit)


def _parse_delete(body: bytes) -> tuple[bool, list[tuple[str, str | None]]]:
    root = xml.parse(body, "Delete")
    quiet = (xml.text(root, "Quiet") or "false").strip().lower() == "true"
    items: list[tuple[str, str | None]] = []
    for node in root.findall("Object"):
        key = xml.text(node, "Key")
        if key is None:
            raise errors.MalformedXML()
        for element in CONDITIONAL_DELETE_ELEMENTS:
            if node.find(element) is not None:
                raise _refuse_conditions(element)
        items.append((key, xml.text(node, "VersionId")))
    if not items or len(items) > MAX_DELETE_KEYS:
        raise errors.MalformedXML()
    return quiet, items


Outcome = ObjectVersion | errors.S3Error | None


def _entry(key: str, asked: str | None, outcome: Outcome) -> tuple[str, xml.Content]:
    if isinstance(outcome, errors.S3Error):
        error = [("Key", key), ("VersionId", asked), ("Code", outcome.code), ("Message", outcome.text)]
        return ("Error", error)
    content: list[tuple[str, xml.Content]] = [("Key", key), ("VersionId", asked)]
    if outcome is not None and outcome.delete_marker:
        content.append(("DeleteMarker", True))
        content.append(("DeleteMarkerVersionId", outcome.version_id))
    return ("Deleted", content)


Item = tuple[str, str | None]


def _denied(req: S3Request, items: list[Item]) -> dict[Item, errors.S3Error]:
    """The keys the principal may not delete (access/control.py authorizes DeleteObjects per key)."""
    if req.access is None:
        return {}
    auth = req.auth
    return req.access.denied_keys(principal=auth.principal, bucket=req.bucket, items=items, ctx=req.ctx,
                                  headers=req.headers, auth_type=auth.auth_type)  # fmt: skip


async def delete_objects(req: S3Request) -> Result:
    require_integrity_header(req.headers)
    quiet, items = _parse_delete(await req.xml_body(limit=2 * 1024 * 1024))
    req.engine.get_bucket(req.bucket)
    valid = [(k, v) for k, v in items if len(k.encode("utf-8", "surrogatepass")) <= MAX_KEY_BYTES]
    bypass = object_lock.bypass_governance(req)
    denied = _denied(req, valid)
    allowed = [item for item in valid if item not in denied]
    done = await req.engine.delete_objects(req.bucket, allowed, bypass_governance=bypass) if allowed else []
    outcomes: dict[Item, Outcome] = dict(zip(allowed, done, strict=True))
    outcomes.update(denied)
    entries = []
    for key, asked in items:
        outcome = outcomes.get((key, asked), errors.KeyTooLongError())
        if quiet and not isinstance(outcome, errors.S3Error):
            continue
        entries.append(_entry(key, asked, outcome))
    return Result(headers={"content-type": "application/xml"}, body=xml.document("DeleteResult", entries))
