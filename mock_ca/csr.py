"""Making a CSR, reading one, and checking a request against an issuance profile, one precise error per rule."""
from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from mock_ca.errors import CsrProblem
from mock_ca.profiles import IssuanceProfile


def build_csr(key, common_name: str, dns_names: tuple[str, ...] | list[str] = ()) -> x509.CertificateSigningRequest:
    """The CSR of the guide's command lines: CN=`common_name`, and the DNS names as its subjectAltName (none:
    no extension), signed with SHA-256 by `key`. What the sandbox sends for its own certificates and for a
    participant onboarded in one call."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
    if dns_names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]),
                                        critical=False)
    return builder.sign(key, hashes.SHA256())


@dataclass(frozen=True)
class CheckedRequest:
    public_key: rsa.RSAPublicKey
    subject: x509.Name
    dns_names: tuple[str, ...]


def load_csr(data: str | bytes | x509.CertificateSigningRequest) -> x509.CertificateSigningRequest:
    if isinstance(data, x509.CertificateSigningRequest):
        return data
    raw = data.encode() if isinstance(data, str) else bytes(data)
    text = raw.strip()
    if not text:
        raise CsrProblem("the CSR is empty: paste the whole file, from -----BEGIN CERTIFICATE REQUEST----- "
                         "to -----END CERTIFICATE REQUEST-----", code="csr_empty")
    if b"-----BEGIN" in text:
        if b"CERTIFICATE REQUEST-----" not in text:
            kind = re.search(rb"-----BEGIN ([A-Z0-9 ]+)-----", text)
            found = kind.group(1).decode().lower() if kind else "something else"
            raise CsrProblem(f"this is a {found}, not a certificate signing request: paste the .csr file "
                             "made by openssl req -new", code="csr_not_a_csr")
        try:
            return x509.load_pem_x509_csr(text)
        except ValueError:
            raise CsrProblem("the CSR cannot be read: the PEM block is damaged (copy it again, with its "
                             "BEGIN and END lines)", code="csr_unreadable") from None
    try:
        return x509.load_der_x509_csr(raw)
    except ValueError:
        raise CsrProblem("this is not a certificate signing request (neither PEM nor DER): make one with "
                         "openssl req -new -newkey rsa:4096 -nodes", code="csr_unreadable") from None


def csr_dns_names(csr: x509.CertificateSigningRequest) -> tuple[str, ...]:
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(san.get_values_for_type(x509.DNSName))


def common_name(name: x509.Name) -> str | None:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else None


def check_key(profile: IssuanceProfile, csr: x509.CertificateSigningRequest) -> rsa.RSAPublicKey:
    """The CSR's signature verifies and its key is of a type and size the profile allows."""
    if not csr.is_signature_valid:
        raise CsrProblem("the CSR's signature does not verify: it was altered after it was made, or made "
                         "with another key; make a new CSR", code="csr_bad_signature")
    key = csr.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise CsrProblem(f"the CSR holds a {type(key).__name__.removesuffix('PublicKey').removeprefix('_')} "
                         f"key; {profile.purpose} certificates need RSA {'/'.join(map(str, profile.key_sizes))}",
                         field="public_key", code="key_type")
    if key.key_size not in profile.key_sizes:
        raise CsrProblem(f"the CSR's key is RSA {key.key_size}; {profile.purpose} certificates need RSA "
                         f"{'/'.join(map(str, profile.key_sizes))} (openssl req -newkey "
                         f"rsa:{profile.key_sizes[-1]})", field="public_key", code="key_size")
    return key


def check_request(profile: IssuanceProfile, csr: x509.CertificateSigningRequest,
                  subject: x509.Name | None = None, dns_names: tuple[str, ...] | None = None) -> CheckedRequest:
    """Every rule of `profile`, in the order a person fixes them. The subject and SANs come from the
    CSR unless given (Atlas takes them from the request JSON and only the key from the CSR)."""
    key = check_key(profile, csr)
    subject = csr.subject if subject is None else subject
    cn = common_name(subject)
    if not cn:
        raise CsrProblem("the subject has no common name (CN): add -subj \"/CN=...\"",
                         field="subject.common_name", code="subject_cn_missing")
    if profile.common_name_pattern and not re.match(profile.common_name_pattern, cn, re.IGNORECASE):
        raise CsrProblem(f"the common name {cn!r} is not of the form {profile.common_name_hint}",
                         field="subject.common_name", code="subject_cn_format")
    names = csr_dns_names(csr) if dns_names is None else tuple(dns_names)
    if not profile.san_min <= len(names) <= profile.san_max:
        raise CsrProblem(f"subjectAltName must hold between {profile.san_min} and {profile.san_max} DNS "
                         f"names; it holds {len(names)}", field="san.dns_names", code="san_count")
    if profile.sans_within_common_name:
        allowed = {cn.lower(), cn.lower().split(".", 1)[1]}
        for name in names:
            if name.lower() not in allowed:
                raise CsrProblem(f"the DNS name {name!r} in subjectAltName is neither the common name nor "
                                 f"{cn.split('.', 1)[1]!r} (host and domain)", field="san.dns_names",
                                 code="san_mismatch")
    return CheckedRequest(key, subject, names)
