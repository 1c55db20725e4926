"""PutBucketVersioning (GetBucketVersioning is in bucket.py).

A bucket starts unversioned, can be Enabled or Suspended, and never returns to unversioned;
a bucket with Object Lock can only be Enabled (409 InvalidBucketState, from the engine).
See https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html
"""

from __future__ import annotations

from aerostore.http.context import Result
from aerostore.s3 import errors, xml
from aerostore.s3.request import S3Request

VERSIONING_STATES = ("Enabled", "Suspended")
MFA_DELETE_STATES = ("Enabled", "Disabled")
NO_MFA_DELETE = "MFA Delete is not supported"


def parse_versioning(body: bytes) -> str:
    """The Status of a VersioningConfiguration, spelled exactly as AWS spells it (else MalformedXML).

    MFA Delete is not served: ``<MfaDelete>Enabled</MfaDelete>`` is refused rather than
    ignored, which would leave versions deletable that the client believes protected.
    """
    root = xml.parse(body, "VersioningConfiguration")
    mfa_delete = xml.text(root, "MfaDelete")
    if mfa_delete is not None and mfa_delete not in MFA_DELETE_STATES:
        raise errors.MalformedXML()
    if mfa_delete == "Enabled":
        raise errors.NotImplemented(NO_MFA_DELETE, Header="x-amz-mfa")
    status = xml.text(root, "Status")
    if status is None:
        raise errors.IllegalVersioningConfigurationException()
    if status not in VERSIONING_STATES:
        raise errors.MalformedXML()
    return status


async def put_bucket_versioning(req: S3Request) -> Result:
    status = parse_versioning(await req.xml_body())
    await req.engine.set_versioning(req.bucket, status)
    return Result()
