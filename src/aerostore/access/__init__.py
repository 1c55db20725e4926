"""Access control: identities, the IAM policy language, public access block, object ownership."""
