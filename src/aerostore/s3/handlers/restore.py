"""RestoreObject: a temporary readable copy of a GLACIER / DEEP_ARCHIVE version (docs/archive.md).

202 when a restore starts, 200 when the version is already restored (its expiry recomputed from
the new Days), 409 RestoreAlreadyInProgress while one is ongoing, 403 InvalidObjectState for
any other storage class. Select restores (``Type``, ``OutputLocation``) are not served.
See https://docs.aws.amazon.com/AmazonS3/latest/API/API_RestoreObject.html
"""

from __future__ import annotations

from dataclasses import dataclass

from aerostore.http.context import Result
from aerostore.s3 import errors, xml
from aerostore.s3.request import S3Request

TIERS = ("Expedited", "Standard", "Bulk")
DEFAULT_TIER = "Standard"
MAX_DAYS = 2_147_483_647
NO_SELECT = "Restore with SelectParameters or OutputLocation is not supported"


@dataclass(frozen=True, slots=True)
class RestoreRequest:
    days: int
    tier: str = DEFAULT_TIER


def parse_restore_request(body: bytes) -> RestoreRequest:
    """Days (a positive integer) and GlacierJobParameters/Tier (default Standard); else MalformedXML."""
    root = xml.parse(body, "RestoreRequest")
    if root.find("Type") is not None or root.find("OutputLocation") is not None:
        raise errors.NotImplemented(NO_SELECT)
    days = (xml.text(root, "Days") or "").strip()
    if not days.isdigit() or not 1 <= int(days) <= MAX_DAYS:
        raise errors.MalformedXML()
    tier = DEFAULT_TIER
    params = root.find("GlacierJobParameters")
    if params is not None:
        tier = (xml.text(params, "Tier") or "").strip()
    elif (top := xml.text(root, "Tier")) is not None:
        tier = top.strip()
    if tier not in TIERS:
        raise errors.MalformedXML()
    return RestoreRequest(int(days), tier)


async def restore_object(req: S3Request) -> Result:
    request = parse_restore_request(await req.xml_body())
    version_id = req.query.get("versionId")
    version, started = await req.engine.restore(req.bucket, req.key, version_id, request.days, request.tier)
    headers = {} if version_id is None else {"x-amz-version-id": version.version_id}
    return Result(status=202 if started else 200, headers=headers, audit={"version_id": version.version_id})
