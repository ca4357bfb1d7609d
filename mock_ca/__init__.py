"""The certificate authorities of the sandbox: real X.509, real keys, CRLs and OCSP. A library: no HTTP."""
from mock_ca.authority import CertificateAuthorities, IssuedCertificate
from mock_ca.errors import CertificateProblem, CsrProblem, PfxProblem

__all__ = ["CertificateAuthorities", "IssuedCertificate", "CertificateProblem", "CsrProblem", "PfxProblem"]
