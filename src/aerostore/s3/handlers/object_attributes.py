"""GetObjectAttributes: an object's ETag, checksum, parts, storage class and size, without its body.

See https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html
"""

from __future__ import annotations

from collections.abc import Mapping

from aerostore.http.context import Result
from aerostore.s3 import errors, xml
from aerostore.s3.handlers.common import checksum_headers, http_date
from aerostore.s3.handlers.object_get import resolve
from aerostore.s3.request import S3Request
from aerostore.storage.model import NULL_VERSION, ObjectVersion

X_AMZ_OBJECT_ATTRIBUTES = "x-amz-object-attributes"
X_AMZ_MAX_PARTS = "x-amz-max-parts"
X_AMZ_PART_NUMBER_MARKER = "x-amz-part-number-marker"
ATTRIBUTES = ("ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize")
MAX_PARTS = 1000


def requested_attributes(headers: Mapping[str, str]) -> set[str]:
    """The names listed in x-amz-object-attributes; at least one, each one AWS knows."""
    names = {n.strip() for n in headers.get(X_AMZ_OBJECT_ATTRIBUTES, "").split(",") if n.strip()}
    if not names:
        raise errors.InvalidArgument(
            "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing "
            "or empty", ArgumentName=X_AMZ_OBJECT_ATTRIBUTES,
        )  # fmt: skip
    unknown = names.difference(ATTRIBUTES)
    if unknown:
        raise errors.InvalidArgument(
            "Invalid attribute name specified.",
            ArgumentName=X_AMZ_OBJECT_ATTRIBUTES,
            ArgumentValue=min(unknown),
        )
    return names


def _integer(headers: Mapping[str, str], name: str, default: int) -> int:
    value = headers.get(name)
    if value is None:
        return default
    if not value.strip().isdigit():
        raise errors.InvalidArgument(f"Provided {name} not an integer or within integer range",
                                     ArgumentName=name, ArgumentValue=value)  # fmt: skip
    return int(value)


def _checksum(version: ObjectVersion) -> xml.Content:
    """The object checksum; a composite one is given without its "-<parts>" suffix, as AWS does."""
    if not version.checksums:
        return None
    content: list[tuple[str, xml.Content]] = []
    for algorithm, value in version.checksums.items():
        content.append((f"Checksum{algorithm}", value.split("-", 1)[0]))
    content.append(("ChecksumType", checksum_headers(version)["x-amz-checksum-type"]))
    return content


def _object_parts(version: ObjectVersion, headers: Mapping[str, str]) -> xml.Content:
    """Parts of a multipart object; a FULL_OBJECT checksum has no per-part view, only the count."""
    if not version.multipart:
        return None
    count = len(version.segments)
    if version.checksums and checksum_headers(version)["x-amz-checksum-type"] == "FULL_OBJECT":
        return [("PartsCount", count)]
    marker = _integer(headers, X_AMZ_PART_NUMBER_MARKER, 0)
    limit = min(_integer(headers, X_AMZ_MAX_PARTS, MAX_PARTS), MAX_PARTS)
    numbers = list(range(marker + 1, count + 1))
    shown = numbers[:limit]
    content: list[tuple[str, xml.Content]] = [
        ("PartNumberMarker", marker), ("NextPartNumberMarker", shown[-1] if shown else marker),
        ("MaxParts", limit), ("IsTruncated", len(numbers) > limit),
    ]  # fmt: skip
    # Per-part checksums are not kept once an upload is completed, so parts carry number and size.
    content += [("Part", [("PartNumber", n), ("Size", version.segments[n - 1].size)]) for n in shown]
    content.append(("PartsCount", count))
    return content


async def get_object_attributes(req: S3Request) -> Result:
    names = requested_attributes(req.headers)
    version = resolve(req)
    values: dict[str, xml.Content] = {
        "ETag": version.etag,
        "Checksum": _checksum(version),
        "ObjectParts": _object_parts(version, req.headers) if "ObjectParts" in names else None,
        "StorageClass": version.attrs.storage_class,
        "ObjectSize": version.size,
    }
    content = [(name, values[name]) for name in ATTRIBUTES if name in names]
    headers = {"content-type": "application/xml", "last-modified": http_date(version.last_modified)}
    if version.version_id != NULL_VERSION:
        headers["x-amz-version-id"] = version.version_id
    return Result(headers=headers, body=xml.document("GetObjectAttributesResponse", content))
