"""The S3 operations table: each operation's name as AWS spells it, its IAM action and kind.

Authorization (access/control.py) and the audit trail read this table; no route carries its
own list of middleware.
"""

from __future__ import annotations

from enum import Enum


class Kind(Enum):
    READ = "read"
    WRITE = "write"
    OWNER = "owner"  # bucket configuration: only the bucket owner


class Operation(Enum):
    # service
    ListBuckets = "ListBuckets"
    # bucket
    CreateBucket = "CreateBucket"
    HeadBucket = "HeadBucket"
    DeleteBucket = "DeleteBucket"
    GetBucketLocation = "GetBucketLocation"
    GetBucketVersioning = "GetBucketVersioning"
    ListObjects = "ListObjects"
    ListObjectsV2 = "ListObjectsV2"
    ListObjectVersions = "ListObjectVersions"
    ListMultipartUploads = "ListMultipartUploads"
    DeleteObjects = "DeleteObjects"
    PostObject = "PostObject"
    # object
    GetObject = "GetObject"
    HeadObject = "HeadObject"
    PutObject = "PutObject"
    CopyObject = "CopyObject"
    DeleteObject = "DeleteObject"
    GetObjectAttributes = "GetObjectAttributes"
    RestoreObject = "RestoreObject"  # the archive tier (tiering/, docs/archive.md)
    # multipart
    CreateMultipartUpload = "CreateMultipartUpload"
    UploadPart = "UploadPart"
    UploadPartCopy = "UploadPartCopy"
    CompleteMultipartUpload = "CompleteMultipartUpload"
    AbortMultipartUpload = "AbortMultipartUpload"
    ListParts = "ListParts"
    # tagging
    PutObjectTagging = "PutObjectTagging"
    GetObjectTagging = "GetObjectTagging"
    DeleteObjectTagging = "DeleteObjectTagging"
    PutBucketTagging = "PutBucketTagging"
    GetBucketTagging = "GetBucketTagging"
    DeleteBucketTagging = "DeleteBucketTagging"
    # versioning and Object Lock
    PutBucketVersioning = "PutBucketVersioning"
    PutObjectLockConfiguration = "PutObjectLockConfiguration"
    GetObjectLockConfiguration = "GetObjectLockConfiguration"
    PutObjectRetention = "PutObjectRetention"
    GetObjectRetention = "GetObjectRetention"
    PutObjectLegalHold = "PutObjectLegalHold"
    GetObjectLegalHold = "GetObjectLegalHold"
    # event notifications
    PutBucketNotificationConfiguration = "PutBucketNotificationConfiguration"
    GetBucketNotificationConfiguration = "GetBucketNotificationConfiguration"
    # CORS (s3/cors.py)
    PutBucketCors = "PutBucketCors"
    GetBucketCors = "GetBucketCors"
    DeleteBucketCors = "DeleteBucketCors"
    # lifecycle (lifecycle/rules.py)
    PutBucketLifecycleConfiguration = "PutBucketLifecycleConfiguration"
    GetBucketLifecycleConfiguration = "GetBucketLifecycleConfiguration"
    DeleteBucketLifecycle = "DeleteBucketLifecycle"
    # access control (access/, handlers/policy.py, handlers/acl.py)
    PutBucketPolicy = "PutBucketPolicy"
    GetBucketPolicy = "GetBucketPolicy"
    DeleteBucketPolicy = "DeleteBucketPolicy"
    GetBucketPolicyStatus = "GetBucketPolicyStatus"
    PutPublicAccessBlock = "PutPublicAccessBlock"
    GetPublicAccessBlock = "GetPublicAccessBlock"
    DeletePublicAccessBlock = "DeletePublicAccessBlock"
    PutBucketOwnershipControls = "PutBucketOwnershipControls"
    GetBucketOwnershipControls = "GetBucketOwnershipControls"
    DeleteBucketOwnershipControls = "DeleteBucketOwnershipControls"
    GetBucketAcl = "GetBucketAcl"
    PutBucketAcl = "PutBucketAcl"
    GetObjectAcl = "GetObjectAcl"
    PutObjectAcl = "PutObjectAcl"
    # anything else S3 has but aerostore does not implement yet
    Unsupported = "Unsupported"

    @property
    def action(self) -> str:
        """The IAM action (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html)."""
        return _ACTIONS.get(self, f"s3:{self.value}")

    @property
    def kind(self) -> Kind:
        return _KINDS.get(self, Kind.READ)


_ACTIONS = {
    Operation.ListBuckets: "s3:ListAllMyBuckets",
    Operation.HeadBucket: "s3:ListBucket",
    Operation.ListObjects: "s3:ListBucket",
    Operation.ListObjectsV2: "s3:ListBucket",
    Operation.ListObjectVersions: "s3:ListBucketVersions",
    Operation.ListMultipartUploads: "s3:ListBucketMultipartUploads",
    Operation.DeleteObjects: "s3:DeleteObject",
    Operation.PostObject: "s3:PutObject",
    Operation.HeadObject: "s3:GetObject",
    Operation.CopyObject: "s3:PutObject",
    Operation.CreateMultipartUpload: "s3:PutObject",
    Operation.UploadPart: "s3:PutObject",
    Operation.UploadPartCopy: "s3:PutObject",
    Operation.CompleteMultipartUpload: "s3:PutObject",
    Operation.AbortMultipartUpload: "s3:AbortMultipartUpload",
    Operation.ListParts: "s3:ListMultipartUploadParts",
    Operation.GetObjectAttributes: "s3:GetObjectAttributes",
    # AWS has no s3:DeleteBucketTagging action. With a versionId, the object tagging operations
    # need s3:{Put,Get,Delete}ObjectVersionTagging instead: access/control.py refines them.
    Operation.DeleteBucketTagging: "s3:PutBucketTagging",
    Operation.PutObjectLockConfiguration: "s3:PutBucketObjectLockConfiguration",
    Operation.GetObjectLockConfiguration: "s3:GetBucketObjectLockConfiguration",
    Operation.PutBucketNotificationConfiguration: "s3:PutBucketNotification",
    Operation.GetBucketNotificationConfiguration: "s3:GetBucketNotification",
    Operation.PutBucketCors: "s3:PutBucketCORS",
    Operation.GetBucketCors: "s3:GetBucketCORS",
    Operation.DeleteBucketCors: "s3:PutBucketCORS",  # AWS has no s3:DeleteBucketCORS
    Operation.PutBucketLifecycleConfiguration: "s3:PutLifecycleConfiguration",
    Operation.GetBucketLifecycleConfiguration: "s3:GetLifecycleConfiguration",
    Operation.DeleteBucketLifecycle: "s3:PutLifecycleConfiguration",  # AWS has no Delete action
    Operation.PutPublicAccessBlock: "s3:PutBucketPublicAccessBlock",
    Operation.GetPublicAccessBlock: "s3:GetBucketPublicAccessBlock",
    Operation.DeletePublicAccessBlock: "s3:PutBucketPublicAccessBlock",  # as AWS: no Delete action
    Operation.DeleteBucketOwnershipControls: "s3:PutBucketOwnershipControls",
    # A GOVERNANCE bypass (x-amz-bypass-governance-retention on DeleteObject(s) and
    # PutObjectRetention) also needs s3:BypassGovernanceRetention: the root user only so far (docs/access.md).
}

_KINDS = {
    Operation.CreateBucket: Kind.OWNER,
    Operation.DeleteBucket: Kind.OWNER,
    Operation.GetBucketLocation: Kind.OWNER,
    Operation.GetBucketVersioning: Kind.OWNER,
    Operation.DeleteObjects: Kind.WRITE,
    Operation.PostObject: Kind.WRITE,
    Operation.PutObject: Kind.WRITE,
    Operation.CopyObject: Kind.WRITE,
    Operation.DeleteObject: Kind.WRITE,
    Operation.CreateMultipartUpload: Kind.WRITE,
    Operation.UploadPart: Kind.WRITE,
    Operation.UploadPartCopy: Kind.WRITE,
    Operation.CompleteMultipartUpload: Kind.WRITE,
    Operation.AbortMultipartUpload: Kind.WRITE,
    Operation.PutObjectTagging: Kind.WRITE,
    Operation.DeleteObjectTagging: Kind.WRITE,
    Operation.PutBucketTagging: Kind.OWNER,
    Operation.GetBucketTagging: Kind.OWNER,
    Operation.DeleteBucketTagging: Kind.OWNER,
    Operation.PutBucketVersioning: Kind.OWNER,
    Operation.PutObjectLockConfiguration: Kind.OWNER,
    Operation.GetObjectLockConfiguration: Kind.OWNER,
    Operation.PutObjectRetention: Kind.WRITE,
    Operation.PutObjectLegalHold: Kind.WRITE,
    Operation.RestoreObject: Kind.WRITE,
    Operation.PutBucketNotificationConfiguration: Kind.OWNER,
    Operation.GetBucketNotificationConfiguration: Kind.OWNER,
    Operation.PutBucketPolicy: Kind.OWNER,
    Operation.GetBucketPolicy: Kind.OWNER,
    Operation.DeleteBucketPolicy: Kind.OWNER,
    Operation.GetBucketPolicyStatus: Kind.OWNER,
    Operation.PutPublicAccessBlock: Kind.OWNER,
    Operation.GetPublicAccessBlock: Kind.OWNER,
    Operation.DeletePublicAccessBlock: Kind.OWNER,
    Operation.PutBucketOwnershipControls: Kind.OWNER,
    Operation.GetBucketOwnershipControls: Kind.OWNER,
    Operation.DeleteBucketOwnershipControls: Kind.OWNER,
    Operation.GetBucketAcl: Kind.OWNER,
    Operation.PutBucketAcl: Kind.OWNER,
    Operation.PutObjectAcl: Kind.WRITE,
    Operation.PutBucketCors: Kind.OWNER,
    Operation.GetBucketCors: Kind.OWNER,
    Operation.DeleteBucketCors: Kind.OWNER,
    Operation.PutBucketLifecycleConfiguration: Kind.OWNER,
    Operation.GetBucketLifecycleConfiguration: Kind.OWNER,
    Operation.DeleteBucketLifecycle: Kind.OWNER,
}
