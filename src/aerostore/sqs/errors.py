"""The SQS error catalog: one class per error, as SQS answers it in both protocols.

SQS moved from the query protocol to JSON keeping its old error codes. A JSON error names the
modelled shape (``__type: com.amazonaws.sqs#QueueDoesNotExist``) and carries the query code in
the ``x-amzn-query-error`` header (``AWS.SimpleQueueService.NonExistentQueue;Sender``); botocore
raises the shape's exception class with the query code as ``Error.Code``. Shapes and codes
were checked against responses recorded from AWS (LocalStack's SQS snapshots).

See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

from typing import ClassVar


class SqsError(Exception):
    """An SQS outcome answered as an error: ``code`` is the JSON shape, ``query_code`` the legacy code."""

    code: ClassVar[str] = "InternalFailure"
    query_code: ClassVar[str] = "InternalFailure"
    status: ClassVar[int] = 500
    sender_fault: ClassVar[bool] = False
    message: ClassVar[str] = "The request processing has failed because of an unknown error."

    def __init__(self, message: str | None = None) -> None:
        self.text = message or self.message
        super().__init__(self.text)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text!r})"


def _error(code: str, query_code: str, status: int, message: str) -> type[SqsError]:
    attrs = {"code": code, "query_code": query_code, "status": status, "sender_fault": status < 500}
    return type(code.removesuffix("Exception"), (SqsError,), {**attrs, "message": message})


_NS = "AWS.SimpleQueueService."

# fmt: off
QueueDoesNotExist = _error("QueueDoesNotExist", _NS + "NonExistentQueue", 400, "The specified queue does not exist.")  # noqa: E501
QueueNameExists = _error("QueueNameExists", "QueueAlreadyExists", 400, "A queue already exists with the same name and a different value for attribute.")  # noqa: E501
InvalidParameterValue = _error("InvalidParameterValueException", "InvalidParameterValue", 400, "An invalid or out-of-range value was supplied for the input parameter.")  # noqa: E501
MissingParameter = _error("MissingRequiredParameterException", "MissingParameter", 400, "A required parameter for the specified action is not supplied.")  # noqa: E501
InvalidAttributeName = _error("InvalidAttributeName", "InvalidAttributeName", 400, "The specified attribute doesn't exist.")  # noqa: E501
InvalidAttributeValue = _error("InvalidAttributeValue", "InvalidAttributeValue", 400, "A queue attribute value is invalid.")  # noqa: E501
InvalidMessageContents = _error("InvalidMessageContents", "InvalidMessageContents", 400, "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")  # noqa: E501
ReceiptHandleIsInvalid = _error("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 400, "The specified receipt handle isn't valid.")  # noqa: E501
MessageNotInflight = _error("MessageNotInflight", _NS + "MessageNotInflight", 400, "The specified message isn't in flight.")  # noqa: E501
EmptyBatchRequest = _error("EmptyBatchRequest", _NS + "EmptyBatchRequest", 400, "The batch request doesn't contain any entries.")  # noqa: E501
TooManyEntriesInBatchRequest = _error("TooManyEntriesInBatchRequest", _NS + "TooManyEntriesInBatchRequest", 400, "The batch request contains more entries than permissible.")  # noqa: E501
BatchEntryIdsNotDistinct = _error("BatchEntryIdsNotDistinct", _NS + "BatchEntryIdsNotDistinct", 400, "Two or more batch entries in the request have the same Id.")  # noqa: E501
InvalidBatchEntryId = _error("InvalidBatchEntryId", _NS + "InvalidBatchEntryId", 400, "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")  # noqa: E501
BatchRequestTooLong = _error("BatchRequestTooLong", _NS + "BatchRequestTooLong", 400, "The length of all the messages put together is more than the limit.")  # noqa: E501
UnsupportedOperation = _error("UnsupportedOperation", _NS + "UnsupportedOperation", 400, "Unsupported operation.")  # noqa: E501
InvalidAddress = _error("InvalidAddress", "InvalidAddress", 404, "The specified ID is invalid.")
InvalidAction = _error("InvalidAction", "InvalidAction", 400, "The action or operation requested is invalid.")  # noqa: E501
UnknownOperation = _error("UnknownOperationException", "UnknownOperation", 400, "The requested operation is not supported.")  # noqa: E501
SerializationException = _error("SerializationException", "SerializationException", 400, "The request body could not be parsed.")  # noqa: E501
AccessDenied = _error("AccessDeniedException", "AccessDenied", 403, "Access to the resource is denied.")  # noqa: E501
InvalidClientTokenId = _error("InvalidClientTokenId", "InvalidClientTokenId", 403, "The security token included in the request is invalid.")  # noqa: E501
SignatureDoesNotMatch = _error("SignatureDoesNotMatch", "SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")  # noqa: E501
IncompleteSignature = _error("IncompleteSignature", "IncompleteSignature", 400, "The request signature does not conform to AWS standards.")  # noqa: E501
RequestEntityTooLarge = _error("RequestEntityTooLarge", "RequestEntityTooLarge", 413, "The request body is too large.")  # noqa: E501
InternalFailure = _error("InternalFailure", "InternalFailure", 500, "The request processing has failed because of an unknown error.")  # noqa: E501
# fmt: on


def invalid_value(name: str, value: object, reason: str) -> SqsError:
    """AWS's wording for a parameter out of range: ``Value X for parameter Y is invalid. Reason: Z``."""
    return InvalidParameterValue(f"Value {value} for parameter {name} is invalid. Reason: {reason}")


def missing(name: str) -> SqsError:
    return MissingParameter(f"The request must contain the parameter {name}.")
