"""Errors of the CA library. Each carries a `code` a caller can branch on and a message for a person."""
from sandbox.kernel.errors import DomainError, InvalidInput, Unauthorized


class CsrProblem(InvalidInput):
    """A CSR, or the request around it, breaks a rule of the issuance profile."""

    def __init__(self, message: str, *, field: str = "csr", code: str = "csr_invalid"):
        super().__init__(message, field=field)
        self.code = code


class PfxProblem(InvalidInput):
    """A PFX file cannot be used; `code` names which of the known problems it is."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message, field="pfx")
        self.code = code


class CertificateProblem(Unauthorized):
    """A presented client certificate is not acceptable; `code`: absent, unknown_issuer, expired, ..."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message, field="client_certificate")
        self.code = code


__all__ = ["CsrProblem", "PfxProblem", "CertificateProblem", "DomainError"]
