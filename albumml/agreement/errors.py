"""The rater study's one error type, defined with the others in `albumml.errors`."""

from albumml.errors import AgreementError

__all__ = ["AgreementError"]
