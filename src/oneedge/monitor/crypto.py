"""The daemon's side of sealed payloads (see ``remotes/im/lib/seal.py`` for the envelope).

The daemon holds an X25519 key pair (monitord.conf's NETWORK PUBKEY/PRIKEY,
PEM files) and gives each host's agent, when starting it, that host's
secret: HMAC-SHA256 of the host ID under the private key, so the daemon
stores none and whoever may read the private key (the front-end's own
tools) can derive them. An envelope opens only with the key derived from
the daemon's private key *and* the secret of the host the header names: a
message sealed by another host's agent, or by anyone without a secret,
fails as ``DECRYPT`` and is dropped; one naming a host the daemon does not
monitor as ``WRONG_HOST``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from pathlib import Path
from typing import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from oneedge.monitor.protocol import DropReason, Dropped, Header

MAGIC = b"OE1"
INFO = b"oneedge-monitor-v1"
_EPH, _NONCE = 32, 12
#: Derived keys kept: one per agent run (its ephemeral key), so X25519 runs once per run.
_CACHE = 65536


def generate_keys(private_path: Path, public_path: Path) -> None:
    """Write a new key pair as PEM files (private mode 0600)."""
    key = X25519PrivateKey.generate()
    private_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    private_path.chmod(0o600)
    public_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))


class Keyring:
    """The daemon's private key and the host secrets; opens envelopes (``protocol.Opener``)."""

    def __init__(self, private_pem: bytes, monitors: Callable[[int], bool]) -> None:
        key = serialization.load_pem_private_key(private_pem, password=None)
        if not isinstance(key, X25519PrivateKey):
            raise ValueError("PRIKEY must be an X25519 private key (openssl genpkey -algorithm X25519)")
        self._key = key
        self.public_raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        self._monitors = monitors
        self._private_raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                              serialization.NoEncryption())
        self._aeads: OrderedDict[tuple[int, bytes, bytes], ChaCha20Poly1305] = OrderedDict()

    @classmethod
    def load(cls, private_path: Path, monitors: Callable[[int], bool]) -> Keyring:
        return cls(private_path.read_bytes(), monitors)

    def host_secret(self, host_id: int) -> bytes:
        return hmac.new(self._private_raw, f"oneedge-monitor host {host_id}".encode(), hashlib.sha256).digest()

    def _aead(self, host_id: int, secret: bytes, ephemeral: bytes) -> ChaCha20Poly1305:
        cache_key = (host_id, secret, ephemeral)
        aead = self._aeads.get(cache_key)
        if aead is not None:
            self._aeads.move_to_end(cache_key)
            return aead
        try:
            shared = self._key.exchange(X25519PublicKey.from_public_bytes(ephemeral))
        except ValueError:
            raise Dropped(DropReason.DECRYPT, "bad ephemeral key") from None
        key = HKDF(hashes.SHA256(), 32, secret, INFO + ephemeral + self.public_raw).derive(shared)
        aead = ChaCha20Poly1305(key)
        self._aeads[cache_key] = aead
        if len(self._aeads) > _CACHE:
            self._aeads.popitem(last=False)
        return aead

    def open(self, header: Header, sealed: bytes) -> bytes:
        if not sealed.startswith(MAGIC):
            raise Dropped(DropReason.NOT_SEALED, "payload is not sealed")
        if len(sealed) < len(MAGIC) + _EPH + _NONCE + 16:
            raise Dropped(DropReason.DECRYPT, "envelope too short")
        if not self._monitors(header.host_id):
            raise Dropped(DropReason.WRONG_HOST, f"no agent was started for host {header.host_id}")
        secret = self.host_secret(header.host_id)
        start = len(MAGIC)
        ephemeral = sealed[start:start + _EPH]
        nonce = sealed[start + _EPH:start + _EPH + _NONCE]
        try:
            return self._aead(header.host_id, secret, ephemeral).decrypt(nonce, sealed[start + _EPH + _NONCE:],
                                                                          header.wire())
        except InvalidTag:
            raise Dropped(DropReason.DECRYPT, f"does not open with host {header.host_id}'s key") from None
