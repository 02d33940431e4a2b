"""The local RSA signing key behind the Cognito look-alike's JWTs, and its JWKS."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devserver.auth import state

if TYPE_CHECKING:
    from pathlib import Path

SIGNING_KEY_FILE = "signing-key.pem"


@dataclass(frozen=True)
class SigningKey:
    """An RS256 key pair; `kid` is the RFC 7638 thumbprint, so it is stable across restarts."""

    private_key: rsa.RSAPrivateKey
    kid: str

    @classmethod
    def generate(cls) -> SigningKey:
        return cls.from_private_key(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def from_private_key(cls, private_key: rsa.RSAPrivateKey) -> SigningKey:
        return cls(private_key, _thumbprint(private_key.public_key()))

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("the signing key must be an RSA private key")
        return cls.from_private_key(key)

    @classmethod
    def load_or_create(cls, state_dir: Path) -> SigningKey:
        """The key persisted under `state_dir`, generated on first use."""
        return cls.from_pem(state.read_or_create(state_dir / SIGNING_KEY_FILE, _new_pem))

    def public_jwk(self) -> dict[str, Any]:
        # Exactly the members Cognito publishes per key (PyJWT would add key_ops).
        numbers = self.private_key.public_key().public_numbers()
        return {
            "alg": "RS256",
            "e": _b64_uint(numbers.e),
            "kid": self.kid,
            "kty": "RSA",
            "n": _b64_uint(numbers.n),
            "use": "sig",
        }

    def jwks(self) -> dict[str, Any]:
        """The document served at `/.well-known/jwks.json`."""
        return {"keys": [self.public_jwk()]}

    def sign(self, claims: dict[str, Any]) -> str:
        # Cognito's header is exactly {kid, alg}: `typ: None` makes PyJWT leave out its "JWT".
        return jwt.encode(claims, self.private_key, "RS256", headers={"kid": self.kid, "typ": None})


def _new_pem() -> bytes:
    return SigningKey.generate().private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _thumbprint(public_key: rsa.RSAPublicKey) -> str:
    numbers = public_key.public_numbers()
    members = {"e": _b64_uint(numbers.e), "kty": "RSA", "n": _b64_uint(numbers.n)}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def _b64_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
