"""The S3 error catalog: one class per AWS error code, messages copied from AWS.

See https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
"""

from __future__ import annotations

from typing import ClassVar


class S3Error(Exception):
    """An S3 outcome that is answered with AWS's error XML.

    Extra keyword fields become extra XML elements (``<Key>``, ``<BucketName>``...).
    """

    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500
    message: ClassVar[str] = "We encountered an internal error. Please try again."

    def __init__(self, message: str | None = None, **fields: str) -> None:
        self.text = message or self.message
        self.fields = fields
        self.extra_headers: dict[str, str] = {}
        super().__init__(self.text)

    def headers(self) -> dict[str, str]:
        return self.extra_headers

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text!r}, {self.fields!r})"


def _error(code: str, status: int, message: str) -> type[S3Error]:
    return type(code, (S3Error,), {"code": code, "status": status, "message": message})


# fmt: off
AccessDenied = _error("AccessDenied", 403, "Access Denied")
AccessControlListNotSupported = _error("AccessControlListNotSupported", 400, "The bucket does not allow ACLs")
BadDigest = _error("BadDigest", 400, "The Content-MD5 you specified did not match what we received.")
BucketAlreadyExists = _error("BucketAlreadyExists", 409, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")  # noqa: E501
BucketAlreadyOwnedByYou = _error("BucketAlreadyOwnedByYou", 409, "Your previous request to create the named bucket succeeded and you already own it.")  # noqa: E501
BucketNotEmpty = _error("BucketNotEmpty", 409, "The bucket you tried to delete is not empty")
EntityTooLarge = _error("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed object size.")  # noqa: E501
EntityTooSmall = _error("EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed object size.")  # noqa: E501
IncompleteBody = _error("IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header")  # noqa: E501
InternalError = _error("InternalError", 500, "We encountered an internal error. Please try again.")
InvalidAccessKeyId = _error("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records.")  # noqa: E501
InvalidArgument = _error("InvalidArgument", 400, "Invalid Argument")
InvalidBucketName = _error("InvalidBucketName", 400, "The specified bucket is not valid.")
InvalidDigest = _error("InvalidDigest", 400, "The Content-MD5 you specified was invalid.")
InvalidLocationConstraint = _error("InvalidLocationConstraint", 400, "The specified location-constraint is not valid")  # noqa: E501
InvalidPart = _error("InvalidPart", 400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")  # noqa: E501
InvalidPartOrder = _error("InvalidPartOrder", 400, "The list of parts was not in ascending order. Parts must be ordered by part number.")  # noqa: E501
InvalidRange = _error("InvalidRange", 416, "The requested range is not satisfiable")
InvalidRequest = _error("InvalidRequest", 400, "Invalid Request")
InvalidStorageClass = _error("InvalidStorageClass", 400, "The storage class you specified is not valid")
InvalidURI = _error("InvalidURI", 400, "Couldn't parse the specified URI.")
KeyTooLongError = _error("KeyTooLongError", 400, "Your key is too long")
MalformedXML = _error("MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema")  # noqa: E501
MethodNotAllowed = _error("MethodNotAllowed", 405, "The specified method is not allowed against this resource.")  # noqa: E501
MissingContentLength = _error("MissingContentLength", 411, "You must provide the Content-Length HTTP header.")
MissingSecurityHeader = _error("MissingSecurityHeader", 400, "Your request is missing a required header.")
NoSuchBucket = _error("NoSuchBucket", 404, "The specified bucket does not exist")
NoSuchKey = _error("NoSuchKey", 404, "The specified key does not exist.")
NoSuchUpload = _error("NoSuchUpload", 404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")  # noqa: E501
NoSuchVersion = _error("NoSuchVersion", 404, "The specified version does not exist.")
NotImplemented = _error("NotImplemented", 501, "A header you provided implies functionality that is not implemented.")  # noqa: A001, E501
NotModified = _error("NotModified", 304, "Not Modified")
PreconditionFailed = _error("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold")  # noqa: E501
ConditionalRequestConflict = _error("ConditionalRequestConflict", 409, "The conditional request cannot succeed due to a conflicting operation against this resource.")  # noqa: E501
RequestTimeTooSkewed = _error("RequestTimeTooSkewed", 403, "The difference between the request time and the server's time is too large.")  # noqa: E501
SignatureDoesNotMatch = _error("SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")  # noqa: E501
XAmzContentSHA256Mismatch = _error("XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed.")  # noqa: E501
AuthorizationHeaderMalformed = _error("AuthorizationHeaderMalformed", 400, "The authorization header is malformed.")  # noqa: E501
AuthorizationQueryParametersError = _error("AuthorizationQueryParametersError", 400, "Error parsing the X-Amz-Credential parameter.")  # noqa: E501
ExpiredToken = _error("ExpiredToken", 400, "The provided token has expired.")
MalformedACLError = _error("MalformedACLError", 400, "The XML you provided was not well-formed or did not validate against our published schema.")  # noqa: E501
InvalidObjectState = _error("InvalidObjectState", 403, "The operation is not valid for the object's storage class")  # noqa: E501
RestoreAlreadyInProgress = _error("RestoreAlreadyInProgress", 409, "Object restore is already in progress")
MaxMessageLengthExceeded = _error("MaxMessageLengthExceeded", 400, "Your request was too big.")
InvalidEncryptionAlgorithmError = _error("InvalidEncryptionAlgorithmError", 400, "The encryption request you specified is not valid. The valid value is AES256.")  # noqa: E501
NoSuchLifecycleConfiguration = _error("NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist")  # noqa: E501
NoSuchCORSConfiguration = _error("NoSuchCORSConfiguration", 404, "The CORS configuration does not exist")
NoSuchBucketPolicy = _error("NoSuchBucketPolicy", 404, "The bucket policy does not exist")
NoSuchTagSet = _error("NoSuchTagSet", 404, "The TagSet does not exist")
ObjectLockConfigurationNotFoundError = _error("ObjectLockConfigurationNotFoundError", 404, "Object Lock configuration does not exist for this bucket")  # noqa: E501
ServiceUnavailable = _error("ServiceUnavailable", 503, "Please reduce your request rate.")
SlowDown = _error("SlowDown", 503, "Please reduce your request rate.")
MetadataTooLarge = _error("MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size.")  # noqa: E501
InvalidBucketState = _error("InvalidBucketState", 409, "The request is not valid with the current state of the bucket.")  # noqa: E501
IllegalLocationConstraintException = _error("IllegalLocationConstraintException", 400, "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")  # noqa: E501
InvalidTag = _error("InvalidTag", 400, "The tag provided was not a valid tag.")
InvalidPartNumber = _error("InvalidPartNumber", 416, "The requested partnumber is not satisfiable")
BadRequest = _error("BadRequest", 400, "Bad Request")  # tag count limits: raised with AWS's own message
MissingRequestBodyError = _error("MissingRequestBodyError", 400, "Request Body is empty")
NoSuchObjectLockConfiguration = _error("NoSuchObjectLockConfiguration", 404, "The specified object does not have a ObjectLock configuration")  # noqa: E501
IllegalVersioningConfigurationException = _error("IllegalVersioningConfigurationException", 400, "The Versioning element must be specified")  # noqa: E501
CORSResponse = _error("CORSResponse", 403, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")  # noqa: E501
InvalidPolicyDocument = _error("InvalidPolicyDocument", 400, "The content of the form does not meet the conditions specified in the policy document.")  # noqa: E501
MalformedPOSTRequest = _error("MalformedPOSTRequest", 400, "The body of your POST request is not well-formed multipart/form-data.")  # noqa: E501
MaxPostPreDataLengthExceeded = _error("MaxPostPreDataLengthExceeded", 400, "Your POST request fields preceeding the upload file was too large.")  # noqa: E501
MalformedPolicy = _error("MalformedPolicy", 400, "This policy contains invalid Json")
NoSuchPublicAccessBlockConfiguration = _error("NoSuchPublicAccessBlockConfiguration", 404, "The public access block configuration was not found")  # noqa: E501
OwnershipControlsNotFoundError = _error("OwnershipControlsNotFoundError", 404, "The bucket ownership controls were not found")  # noqa: E501
InvalidBucketAclWithObjectOwnership = _error("InvalidBucketAclWithObjectOwnership", 400, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")  # noqa: E501
UnresolvableGrantByEmailAddress = _error("UnresolvableGrantByEmailAddress", 400, "The email address you provided does not match any account on record.")  # noqa: E501
# fmt: on


def all_errors() -> list[type[S3Error]]:
    """Every error class of the catalog, for docs/errors.md and golden tests."""
    found = globals().values()
    return [v for v in found if isinstance(v, type) and issubclass(v, S3Error) and v is not S3Error]


def catalog_markdown() -> str:
    """docs/errors.md, generated from this catalog (a test keeps the two equal)."""
    lines = [
        "# S3 error codes",
        "",
        "Generated from `src/aerostore/s3/errors.py` by `python -m aerostore.s3.errors`; "
        "do not edit by hand.",
        "Any other exception is answered `InternalError` (500) and logged with its request id.",
        "",
        "| code | HTTP status | message |",
        "| --- | --- | --- |",
    ]
    for cls in sorted(all_errors(), key=lambda c: c.code):
        lines.append(f"| `{cls.code}` | {cls.status} | {cls.message} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(catalog_markdown(), end="")
