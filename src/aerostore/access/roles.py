"""The platform's roles: packaged identity policies a user gets with ``--role``.

A role is an identity policy kept in the code, not in the database, so an upgrade that
changes a role changes it for every user holding it. Bucket names are the packaged
architecture's (blueprint/default.toml); a renamed bucket needs a user policy instead.
The audit-logs bucket policy (blueprint) denies reads to any user whose role is not
``auditor``: the role is exposed to policies as ``aws:PrincipalTag/role``.
"""

from __future__ import annotations

import json
from typing import Any


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ROLES: dict[str, str] = {
    # Writes raw uploads (usually through presigned PUT/POST it hands to clients); reads nothing.
    "uploader": _policy(
        {
            "Sid": "UploadRaw",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            "Resource": "arn:aws:s3:::raw-uploads/*",
        }
    ),
    # Serves processed images: reads them, directly or through presigned GET URLs it signs.
    "delivery": _policy(
        {
            "Sid": "ReadProcessed",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": "arn:aws:s3:::processed-images/*",
        },
        {
            "Sid": "ListProcessed",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::processed-images",
        },
    ),  # fmt: skip
    # Reads the audit trail; cannot change it.
    "auditor": _policy(
        {
            "Sid": "ReadAudit",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"],
            "Resource": ["arn:aws:s3:::audit-logs", "arn:aws:s3:::audit-logs/*"],
        }
    ),
    # Everything S3 allows (policies still apply: an explicit Deny wins).
    "admin": _policy({"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
}


def bucket_policy(name: str, bucket: str) -> str:
    """A packaged bucket policy for ``bucket`` (the architecture file's ``policy = "<name>"``)."""
    if name not in BUCKET_POLICIES:
        raise ValueError(f"unknown bucket policy {name!r} (one of {', '.join(sorted(BUCKET_POLICIES))})")
    return BUCKET_POLICIES[name](bucket)


def _auditors_only(bucket: str) -> str:
    """Reads of the audit trail by root and by users of the auditor role only: a Deny binds everyone
    else, whatever their own policies allow."""
    return _policy(
        {
            "Sid": "AuditorsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:GetObject*", "s3:ListBucket*", "s3:GetObjectAttributes"],
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {
                "StringNotEquals": {"aws:PrincipalTag/role": "auditor"},
                "ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::000000000000:root"},
            },
        }
    )


BUCKET_POLICIES = {"auditors-only": _auditors_only}
