"""The handler of each implemented S3 operation; anything absent answers NotImplemented."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aerostore.http.context import Result
from aerostore.s3.handlers import (
    bucket,
    copy,
    delete,
    listing,
    multipart,
    multipart_complete,
    notification,
    object_attributes,
    object_get,
    object_lock,
    object_put,
    tagging,
    versioning,
)
from aerostore.s3.operations import Operation as Op
from aerostore.s3.request import S3Request

HANDLERS: dict[Op, Callable[[S3Request], Awaitable[Result]]] = {
    Op.ListBuckets: bucket.list_buckets,
    Op.CreateBucket: bucket.create_bucket,
    Op.HeadBucket: bucket.head_bucket,
    Op.DeleteBucket: bucket.delete_bucket,
    Op.GetBucketLocation: bucket.get_bucket_location,
    Op.GetBucketVersioning: bucket.get_bucket_versioning,
    Op.ListObjects: listing.list_objects,
    Op.ListObjectsV2: listing.list_objects_v2,
    Op.ListObjectVersions: listing.list_object_versions,
    Op.GetObject: object_get.get_object,
    Op.HeadObject: object_get.head_object,
    Op.GetObjectAttributes: object_attributes.get_object_attributes,
    Op.PutObject: object_put.put_object,
    Op.CopyObject: copy.copy_object,
    Op.DeleteObject: delete.delete_object,
    Op.DeleteObjects: delete.delete_objects,
    Op.CreateMultipartUpload: multipart.create_multipart_upload,
    Op.UploadPart: multipart.upload_part,
    Op.UploadPartCopy: multipart.upload_part_copy,
    Op.CompleteMultipartUpload: multipart_complete.complete_multipart_upload,
    Op.AbortMultipartUpload: multipart.abort_multipart_upload,
    Op.ListParts: multipart.list_parts,
    Op.ListMultipartUploads: multipart.list_multipart_uploads,
    Op.PutObjectTagging: tagging.put_object_tagging,
    Op.GetObjectTagging: tagging.get_object_tagging,
    Op.DeleteObjectTagging: tagging.delete_object_tagging,
    Op.PutBucketTagging: tagging.put_bucket_tagging,
    Op.GetBucketTagging: tagging.get_bucket_tagging,
    Op.DeleteBucketTagging: tagging.delete_bucket_tagging,
    Op.PutBucketVersioning: versioning.put_bucket_versioning,
    Op.PutObjectLockConfiguration: object_lock.put_object_lock_configuration,
    Op.GetObjectLockConfiguration: object_lock.get_object_lock_configuration,
    Op.PutObjectRetention: object_lock.put_object_retention,
    Op.GetObjectRetention: object_lock.get_object_retention,
    Op.PutObjectLegalHold: object_lock.put_object_legal_hold,
    Op.GetObjectLegalHold: object_lock.get_object_legal_hold,
    Op.PutBucketNotificationConfiguration: notification.put_bucket_notification_configuration,
    Op.GetBucketNotificationConfiguration: notification.get_bucket_notification_configuration,
}
