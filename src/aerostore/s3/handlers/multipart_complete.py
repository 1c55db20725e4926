"""CompleteMultipartUpload: the parts list, the checksums it carries, and repeated completions.

See https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field

from aerostore.auth import checksums
from aerostore.http.context import Result
from aerostore.http.streams import read_small_body
from aerostore.s3 import errors, xml
from aerostore.s3.handlers.common import write_conditions
from aerostore.s3.handlers.lifecycle import expiration_headers
from aerostore.s3.handlers.multipart import MAX_PART_NUMBER, XML, upload_checksum_type
from aerostore.s3.handlers.object_put import write_headers
from aerostore.s3.request import S3Request
from aerostore.storage.hashing import multipart_checksum, multipart_etag
from aerostore.storage.model import ObjectVersion, Part, Upload

MAX_COMPLETE_BYTES = 4 * 1024 * 1024
# On CompleteMultipartUpload these headers state the expected checksum of the whole object,
# not of the XML body, so the body reader must not verify the body against them.
OBJECT_CHECKSUM_HEADERS = {checksums.header_name(alg): alg for alg in checksums.ALGORITHMS}


@dataclass(frozen=True, slots=True)
class ListedPart:
    """One <Part> of the request: number, ETag and the checksums the client recorded for it."""

    number: int
    etag: str
    checksums: dict[str, str] = field(default_factory=dict)


def parse_parts(body: bytes) -> list[ListedPart]:
    root = xml.parse(body, "CompleteMultipartUpload")
    parts = []
    for node in root.findall("Part"):
        number, etag = xml.text(node, "PartNumber"), xml.text(node, "ETag")
        if number is None or etag is None or not number.strip().isdigit():
            raise errors.MalformedXML()
        given = {alg: xml.text(node, f"Checksum{alg}") or "" for alg in checksums.ALGORITHMS}
        parts.append(ListedPart(int(number), etag.strip().strip('"'), {a: v for a, v in given.items() if v}))
    if not parts:
        raise errors.MalformedXML()
    return parts


async def _read_parts(req: S3Request) -> list[ListedPart]:
    headers = {k: v for k, v in req.headers.items() if k not in OBJECT_CHECKSUM_HEADERS}
    return parse_parts(await read_small_body(req.receive, headers, req.auth, MAX_COMPLETE_BYTES))


def declared_checksum(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """The (algorithm, value) of the x-amz-checksum-<alg> header the client expects the object to have."""
    found = [(alg, headers[name]) for name, alg in OBJECT_CHECKSUM_HEADERS.items() if name in headers]
    if len(found) > 1:
        raise errors.InvalidRequest(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
        )
    return found[0] if found else None


def _invalid_part(upload: Upload, part: ListedPart) -> errors.S3Error:
    return errors.InvalidPart(ETag=part.etag, PartNumber=str(part.number), UploadId=upload.upload_id)


def check_checksums(
    upload: Upload, listed: list[ListedPart], stored: dict[int, Part], headers: Mapping[str, str]
) -> None:
    """Part checksums in the request must be the stored ones; the object checksum header must hold.

    Parts that do not exist (or whose ETag differs) are left to the engine, which answers InvalidPart.
    """
    algorithm, kind = upload.attrs.checksum_algorithm, upload_checksum_type(upload.attrs)
    known = [p for p in listed if p.number in stored and stored[p.number].etag == p.etag]
    for part in known:
        _check_part(upload, part, stored[part.number])
    declared = declared_checksum(headers)
    if declared is not None:
        complete = len(known) == len(listed)
        _check_declared(upload, declared, [stored[p.number] for p in known] if complete else None)
    if kind == "COMPOSITE" and algorithm is not None:
        for part in listed:
            if algorithm not in part.checksums:
                raise errors.InvalidRequest(
                    f"The upload was created using a {algorithm.lower()} checksum. The complete request "
                    f"must include the checksum for each part. It was missing for part {part.number} in "
                    "the request."
                )


def _check_part(upload: Upload, part: ListedPart, stored: Part) -> None:
    algorithm, given = upload.attrs.checksum_algorithm, part.checksums
    if algorithm is None:
        if given:  # a checksum for a part of an upload that was created without one
            raise _invalid_part(upload, part)
    elif algorithm in given:
        if given[algorithm] != stored.checksums.get(algorithm):
            raise _invalid_part(upload, part)
    elif given and upload_checksum_type(upload.attrs) == "COMPOSITE":
        other = next(iter(given)).lower()
        raise errors.BadDigest(
            f"The {other} you specified for part {part.number} did not match what we received."
        )


def _check_declared(upload: Upload, declared: tuple[str, str], parts: list[Part] | None) -> None:
    algorithm, kind = upload.attrs.checksum_algorithm, upload_checksum_type(upload.attrs)
    alg, value = declared
    if algorithm is None or kind is None or alg != algorithm:
        raise errors.InvalidRequest(f"The upload was not created with a {alg.lower()} checksum, so the "
                                    f"x-amz-checksum-{alg.lower()} header cannot be verified.")  # fmt: skip
    if parts is None or any(algorithm not in p.checksums for p in parts):
        return
    computed = multipart_checksum(algorithm, kind, [(p.checksums[algorithm], p.size) for p in parts])
    if computed != value:
        raise errors.BadDigest(
            f"The {algorithm.lower()} you specified did not match the calculated checksum."
        )


def _result(req: S3Request, version: ObjectVersion) -> Result:
    headers = {k: v for k, v in write_headers(version).items() if k != "etag"}
    headers.update(XML)
    headers.update(expiration_headers(req, version))
    content: list[tuple[str, xml.Content]] = [
        ("Location", f"/{req.bucket}/{req.key}"), ("Bucket", req.bucket), ("Key", req.key),
        ("ETag", f'"{version.etag}"'),
    ]  # fmt: skip
    content += [(f"Checksum{alg}", value) for alg, value in version.checksums.items()]
    if version.checksums:
        content.append(("ChecksumType", headers.get("x-amz-checksum-type", "COMPOSITE")))
    audit = {"bytes_received": 0, "version_id": version.version_id}
    return Result(headers=headers, body=xml.document("CompleteMultipartUploadResult", content), audit=audit)


async def _repeated_completion(req: S3Request, missing: errors.S3Error) -> Result:
    """A completion retried after it succeeded (say, the first answer was lost) succeeds again.

    The upload row is gone once completed, so the retry is recognised by its parts list: it
    must yield the ETag of the key's current version, which is a completed upload.
    """
    try:
        listed = await _read_parts(req)
        current = req.engine.get_version(req.bucket, req.key)
        etag = multipart_etag(p.etag for p in listed)
    except (errors.S3Error, binascii.Error, ValueError):
        raise missing from None
    if current.delete_marker or not current.multipart or current.etag != etag:
        raise missing
    return _result(req, current)


async def complete_multipart_upload(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    try:
        upload = req.engine.get_upload(req.bucket, req.key, req.query["uploadId"])
    except errors.NoSuchUpload as exc:
        return await _repeated_completion(req, exc)
    listed = await _read_parts(req)
    conditions = write_conditions(req.headers)
    if upload.attrs.checksum_algorithm or any(p.checksums for p in listed) or declared_checksum(req.headers):
        stored, _ = req.engine.list_parts(upload, 0, MAX_PART_NUMBER)
        check_checksums(upload, listed, {p.number: p for p in stored}, req.headers)
    requested = [(p.number, p.etag) for p in listed]
    version = await req.engine.complete_upload(upload, requested, conditions, upload.attrs.checksum_type)
    return _result(req, version)
