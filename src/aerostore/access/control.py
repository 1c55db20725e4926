"""``AccessControl.authorize``: the one authorization step of every S3 request.

- The root user may do everything, except what an explicit Deny of the bucket policy forbids (as
  on AWS; it can always get, put and delete the policy itself). Object Lock still applies: the
  engine enforces it.
- A user needs an Allow from its identity policies (role + own) or from the bucket policy, and
  no explicit Deny in either.
- Anonymous requests are evaluated against the bucket policy only.
- Where the bucket's Object Ownership enables ACLs, a grant of the bucket's or the object's ACL
  allows what no policy decided (an explicit Deny still wins).
- Public access block (bucket flags OR account flags): RestrictPublicBuckets ignores the public
  statements of a bucket policy for anonymous callers; BlockPublicPolicy is enforced when a
  policy is put (handlers/policy.py); BlockPublicAcls refuses public ACLs (handlers/acl.py),
  IgnorePublicAcls drops their group grants here.

See https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from urllib.parse import unquote

from aerostore.access import acl, identities
from aerostore.access import policy as policies
from aerostore.access.context import request_keys
from aerostore.access.evaluate import Decision, Subject, evaluate, is_public
from aerostore.access.public import BUCKET_OWNER_ENFORCED, NONE, OBJECT_WRITER, PublicAccessBlock
from aerostore.access.roles import ROLES
from aerostore.auth.sigv4 import Principal
from aerostore.http.context import RequestContext
from aerostore.s3 import errors
from aerostore.s3.names import canonical_id
from aerostore.s3.operations import Operation
from aerostore.storage.engine import Engine

POLICY = "policy"
PUBLIC_ACCESS_BLOCK = "public-access-block"
OWNERSHIP = "ownership"
BUCKET_ACL = "acl"  # a canned ACL, kept only while ACLs are enabled (Object Ownership)
ACCOUNT_PUBLIC_ACCESS_BLOCK = "public-access-block"  # account_settings row
# The root user can always manage the bucket policy, so a policy denying everyone cannot lock the
# account out of its bucket (https://repost.aws/knowledge-center/s3-accidentally-denied-access).
_ROOT_ALWAYS = {Operation.GetBucketPolicy, Operation.PutBucketPolicy, Operation.DeleteBucketPolicy}
# Authorized per key by the handler (denied_keys), not for the request as a whole.
_PER_KEY = {Operation.DeleteObjects}
_COPIES = {Operation.CopyObject, Operation.UploadPartCopy}
X_AMZ_COPY_SOURCE = "x-amz-copy-source"
# With a versionId, these operations need the *Version* action as well (AWS's action table).
_VERSION_ACTIONS = {
    Operation.GetObject: "s3:GetObjectVersion",
    Operation.HeadObject: "s3:GetObjectVersion",
    Operation.DeleteObject: "s3:DeleteObjectVersion",
    Operation.GetObjectTagging: "s3:GetObjectVersionTagging",
    Operation.PutObjectTagging: "s3:PutObjectVersionTagging",
    Operation.DeleteObjectTagging: "s3:DeleteObjectVersionTagging",
    Operation.GetObjectAcl: "s3:GetObjectVersionAcl",
    Operation.PutObjectAcl: "s3:PutObjectVersionAcl",
}


class AccessControl:
    def __init__(
        self,
        engine: Engine,
        reader: Callable[[], sqlite3.Connection] | None = None,
        default_ownership: str = BUCKET_OWNER_ENFORCED,
    ) -> None:
        self.engine = engine
        self._reader = reader or engine.db.reader
        self.default_ownership = default_ownership

    def authorize(
        self,
        *,
        principal: Principal,
        operation: Operation,
        bucket: str,
        key: str,
        ctx: RequestContext,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        auth_type: str,
    ) -> None:
        """Raise AccessDenied unless ``principal`` may run ``operation`` on bucket/key.

        ``auth_type`` is ``header``, ``presigned``, ``post`` or ``anonymous`` (s3:authType).
        """
        if (principal.is_root and (not bucket or operation in _ROOT_ALWAYS)) or operation in _PER_KEY:
            return
        if operation in _COPIES and X_AMZ_COPY_SOURCE in headers:
            self._authorize_source(principal, headers[X_AMZ_COPY_SOURCE], ctx, headers, auth_type)
        action = operation.action
        if "versionId" in query and operation in _VERSION_ACTIONS:
            action = _VERSION_ACTIONS[operation]
        resource = _resource(operation, bucket, key)
        lookup = request_keys(self, principal, bucket, key, ctx, query, headers, auth_type)
        subject = Subject(_principal_arns(principal), action, resource, lookup)
        if principal.is_root:
            # The account's root user is bound only by an explicit Deny of the bucket policy, as on AWS.
            own = self.bucket_policy(bucket)
            if own is not None and evaluate([own], subject) is Decision.DENY:
                raise errors.AccessDenied()
            return
        found = [] if principal is Principal.ANONYMOUS else self.identity_policies(principal.user)
        bucket_policy = self.bucket_policy(bucket) if bucket else None
        decision = evaluate(found, subject)
        if bucket_policy is not None and decision is not Decision.DENY:
            restrict = self.public_access_block(bucket).restrict_public_buckets
            public_allows = not (restrict and principal is Principal.ANONYMOUS)
            by_bucket = evaluate([bucket_policy], subject, public_allows=public_allows)
            decision = by_bucket if by_bucket is not Decision.NONE else decision
        if decision is Decision.NONE and bucket:
            if self._acl_allows(principal, bucket, key, action, query.get("versionId") or None):
                return
        if decision is not Decision.ALLOW:
            raise errors.AccessDenied()

    def denied_keys(
        self,
        *,
        principal: Principal,
        bucket: str,
        items: list[tuple[str, str | None]],
        ctx: RequestContext,
        headers: Mapping[str, str],
        auth_type: str,
    ) -> dict[tuple[str, str | None], errors.S3Error]:
        """DeleteObjects: each (key, version id) is authorized as its own DeleteObject, as on AWS; the
        ones refused answer AccessDenied in the result, the others are deleted."""
        if principal.is_root and self.bucket_policy(bucket) is None:
            return {}
        denied: dict[tuple[str, str | None], errors.S3Error] = {}
        for key, version in items:
            query = {"versionId": version} if version else {}
            try:
                self.authorize(principal=principal, operation=Operation.DeleteObject, bucket=bucket, key=key,
                               ctx=ctx, query=query, headers=headers, auth_type=auth_type)  # fmt: skip
            except errors.AccessDenied as exc:
                denied[(key, version)] = exc
        return denied

    def _authorize_source(self, principal: Principal, source: str, ctx: RequestContext,
                          headers: Mapping[str, str], auth_type: str) -> None:  # fmt: skip
        """A copy reads its source: s3:GetObject (or s3:GetObjectVersion) on it, as AWS requires."""
        path, _, version = unquote(source).lstrip("/").partition("?versionId=")
        bucket, _, key = path.partition("/")
        if not bucket or not key:
            return  # malformed: the handler answers it
        query = {"versionId": version} if version else {}
        self.authorize(principal=principal, operation=Operation.GetObject, bucket=bucket, key=key, ctx=ctx,
                       query=query, headers=headers, auth_type=auth_type)  # fmt: skip

    def _acl_allows(
        self, principal: Principal, bucket: str, key: str, action: str, version_id: str | None
    ) -> bool:
        """ACL grants, an Allow source where the bucket's Object Ownership enables ACLs (access/acl.py)."""
        scope, permission = _ACL_PERMISSIONS.get(action, ("", ""))
        if not scope or self.ownership(bucket) == BUCKET_OWNER_ENFORCED:
            return False
        user = None if principal is Principal.ANONYMOUS else principal.user
        ignore = self.public_access_block(bucket).ignore_public_acls
        try:
            owner = self.engine.get_bucket(bucket).owner
            if scope == "object":
                version = self.engine.get_object_tagging(bucket, key, version_id)
                found = self.object_acl(version.attrs.acl, owner)
            else:
                found = self.bucket_acl(bucket, owner)
        except (errors.NoSuchKey, errors.NoSuchVersion):
            # Reading a missing object: who may list the bucket learns it is missing (404), as AWS.
            listable = self.bucket_acl(bucket, owner).allows(user, "READ", ignore_public=ignore)
            return permission == "READ" and listable
        except errors.S3Error:
            return False
        return found.allows(user, permission, ignore_public=ignore)

    def bucket_acl(self, bucket: str, owner: str) -> acl.Acl:
        """The stored bucket ACL, else the owner's full control."""
        stored = self._config(bucket, BUCKET_ACL)
        return acl.private(owner) if stored is None else acl.Acl.from_json(stored, owner)

    @staticmethod
    def object_acl(stored: str | None, bucket_owner: str) -> acl.Acl:
        return acl.private(bucket_owner) if stored is None else acl.Acl.from_json(stored, bucket_owner)

    def resolve_user(self, cid: str, *known: str) -> str | None:
        """The user whose canonical id is ``cid``: one of ``known`` (root, the bucket owner) or a user."""
        names = [*known, *(u.name for u in identities.list_users(self._reader()))]
        return next((name for name in names if canonical_id(name) == cid), None)

    # ---- state, read per request (indexed lookups; parsing is cached by text) ----

    def user(self, name: str) -> identities.User | None:
        return identities.get_user(self._reader(), name)

    def identity_policies(self, user: str) -> list[policies.Policy]:
        found = self.user(user)
        if found is None:
            return []
        texts = [ROLES[found.role]] if found.role in ROLES else []
        if found.policy:
            texts.append(found.policy)
        return [policies.parse(t) for t in texts]

    def bucket_policy(self, bucket: str) -> policies.Policy | None:
        text = self._config(bucket, POLICY)
        return None if text is None else policies.parse(text, bucket)

    def public_access_block(self, bucket: str | None) -> PublicAccessBlock:
        """The bucket's flags OR the account's."""
        account = PublicAccessBlock.from_json(
            identities.get_setting(self._reader(), ACCOUNT_PUBLIC_ACCESS_BLOCK)
        )
        own = PublicAccessBlock.from_json(self._config(bucket, PUBLIC_ACCESS_BLOCK)) if bucket else NONE
        return own | account

    def ownership(self, bucket: str) -> str:
        """Never set: BucketOwnerEnforced (new AWS buckets); deleted (""): ObjectWriter, as on AWS."""
        stored = self._config(bucket, OWNERSHIP)
        if stored is None:
            return BUCKET_OWNER_ENFORCED
        return stored or OBJECT_WRITER

    def is_public_policy(self, bucket: str) -> bool:
        found = self.bucket_policy(bucket)
        return found is not None and is_public(found)

    def _config(self, bucket: str, name: str) -> str | None:
        try:
            return self.engine.get_bucket_config(bucket, name)
        except errors.NoSuchBucket:
            return None


# What each ACL permission grants: on the bucket (its ACL) or on the object (the version's ACL).
# See https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#permissions
_ACL_PERMISSIONS = {
    "s3:ListBucket": ("bucket", "READ"),
    "s3:ListBucketVersions": ("bucket", "READ"),
    "s3:ListBucketMultipartUploads": ("bucket", "READ"),
    "s3:PutObject": ("bucket", "WRITE"),
    "s3:DeleteObject": ("bucket", "WRITE"),
    "s3:DeleteObjectVersion": ("bucket", "WRITE"),
    "s3:AbortMultipartUpload": ("bucket", "WRITE"),
    "s3:GetBucketAcl": ("bucket", "READ_ACP"),
    "s3:PutBucketAcl": ("bucket", "WRITE_ACP"),
    "s3:GetObject": ("object", "READ"),
    "s3:GetObjectVersion": ("object", "READ"),
    "s3:GetObjectAcl": ("object", "READ_ACP"),
    "s3:GetObjectVersionAcl": ("object", "READ_ACP"),
    "s3:PutObjectAcl": ("object", "WRITE_ACP"),
    "s3:PutObjectVersionAcl": ("object", "WRITE_ACP"),
}


def _resource(operation: Operation, bucket: str, key: str) -> str:
    if not bucket:
        return "*"
    if key:
        return f"arn:aws:s3:::{bucket}/{key}"
    return f"arn:aws:s3:::{bucket}"


def _principal_arns(principal: Principal) -> tuple[str, ...]:
    if principal is Principal.ANONYMOUS:
        return ()
    return policies.principal_arns(principal.user, principal.is_root)
