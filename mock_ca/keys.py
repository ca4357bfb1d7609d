"""Key generation and PEM/DER (de)serialisation."""
from __future__ import annotations

import functools

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def new_rsa_key(bits: int = 4096) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def key_to_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def key_from_pem(text: str | bytes):
    """Load a PEM private key. RSA's expensive consistency check is skipped (hundreds of ms per 4096-bit
    key): these are the sandbox's own keys, and an imported key is checked against its certificate."""
    data = text.encode() if isinstance(text, str) else text
    return serialization.load_pem_private_key(data, password=None, unsafe_skip_rsa_key_validation=True)


def cert_to_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@functools.lru_cache(maxsize=256)
def cert_from_pem(text: str | bytes) -> x509.Certificate:
    """A PEM certificate, parsed once while it is among the last 256 asked for: certificates are immutable, and
    the same few come with every request (a client's signing certificate, the DIP's own)."""
    data = text.encode() if isinstance(text, str) else text
    return x509.load_pem_x509_certificate(data)


def serial_hex(serial: int) -> str:
    """Upper-case hex, even length, as Atlas writes serial numbers."""
    text = f"{serial:X}"
    return text if len(text) % 2 == 0 else "0" + text


def parse_serial(text: str) -> int | None:
    """A serial number written in hex, any case, with or without leading zeros or colons."""
    cleaned = str(text).strip().replace(":", "")
    try:
        return int(cleaned, 16)
    except ValueError:
        return None
