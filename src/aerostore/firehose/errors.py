"""The Firehose error catalog: one class per error code, rendered as awsJson1_1 errors.

A JSON 1.1 error names its shape in ``__type``; botocore raises the class of that name and
reports it as ``Error.Code``. See
https://docs.aws.amazon.com/firehose/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

from typing import ClassVar


class FirehoseError(Exception):
    """A Firehose outcome answered as an error."""

    code: ClassVar[str] = "InternalFailure"
    status: ClassVar[int] = 500
    message: ClassVar[str] = "The request processing has failed because of an unknown error."

    def __init__(self, message: str | None = None) -> None:
        self.text = message or self.message
        super().__init__(self.text)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text!r})"


def _error(code: str, status: int, message: str) -> type[FirehoseError]:
    return type(code, (FirehoseError,), {"code": code, "status": status, "message": message})


# fmt: off
ResourceNotFoundException = _error("ResourceNotFoundException", 400, "The specified resource could not be found.")  # noqa: E501
ResourceInUseException = _error("ResourceInUseException", 400, "The resource is already in use and not available for this operation.")  # noqa: E501
InvalidArgumentException = _error("InvalidArgumentException", 400, "The specified input parameter has a value that is not valid.")  # noqa: E501
LimitExceededException = _error("LimitExceededException", 400, "You have already reached the limit for a requested resource.")  # noqa: E501
ValidationException = _error("ValidationException", 400, "The input fails to satisfy the constraints specified by the service.")  # noqa: E501
ServiceUnavailableException = _error("ServiceUnavailableException", 503, "The service is unavailable. Back off and retry the operation.")  # noqa: E501
SerializationException = _error("SerializationException", 400, "The request body could not be parsed.")  # noqa: E501
UnknownOperationException = _error("UnknownOperationException", 400, "The requested operation is not supported.")  # noqa: E501
AccessDeniedException = _error("AccessDeniedException", 400, "Access to the resource is denied.")  # noqa: E501
UnrecognizedClientException = _error("UnrecognizedClientException", 400, "The security token included in the request is invalid.")  # noqa: E501
InvalidSignatureException = _error("InvalidSignatureException", 400, "The request signature we calculated does not match the signature you provided.")  # noqa: E501
IncompleteSignature = _error("IncompleteSignature", 400, "The request signature does not conform to AWS standards.")  # noqa: E501
RequestEntityTooLarge = _error("RequestEntityTooLarge", 413, "The request body is too large.")  # noqa: E501
InternalFailure = _error("InternalFailure", 500, "The request processing has failed because of an unknown error.")  # noqa: E501
# fmt: on
