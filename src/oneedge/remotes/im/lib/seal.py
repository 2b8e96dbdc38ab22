"""Sealing monitoring payloads for the monitor daemon, with nothing but python3's standard library.

Hosts run only python3, so the agent cannot use OpenSSL bindings; this module
implements the few standard primitives it needs (RFC 7748 X25519, RFC 8439
ChaCha20-Poly1305, RFC 5869 HKDF-SHA256 over ``hmac``). The daemon opens the
envelopes with the ``cryptography`` package, so every message checks the
two implementations against each other.

Envelope (then base64 on the wire)::

    b"OE1" | agent's ephemeral X25519 public key (32) | nonce (12) | ChaCha20-Poly1305(zlib data) + tag (16)

The key is HKDF(X25519(ephemeral, daemon public key), salt=host secret,
info=INFO + ephemeral public + daemon public): only the daemon can derive it,
and only an agent given the host's secret at start can produce a key the
daemon accepts for that host. The message header (``TYPE STATUS OID
TIMESTAMP``) is the AEAD's associated data, so the host ID and timestamp
cannot be changed or replayed under another header.

NOTE: the pure-Python X25519 here is not constant time; it only ever handles
the agent's own ephemeral key, generated at start, on the agent's host.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct

MAGIC = b"OE1"
INFO = b"oneedge-monitor-v1"
#: DER prefix of an X25519 SubjectPublicKeyInfo (RFC 8410); the key follows.
SPKI_PREFIX = bytes.fromhex("302a300506032b656e032100")
OVERHEAD = len(MAGIC) + 32 + 12 + 16

_P = 2**255 - 19
_MASK = 0xFFFFFFFF


def x25519(scalar: bytes, u: bytes) -> bytes:
    """RFC 7748 X25519(scalar, u)."""
    k = bytearray(scalar)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    n = int.from_bytes(k, "little")
    ub = bytearray(u)
    ub[31] &= 127
    x1 = int.from_bytes(ub, "little") % _P
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in range(254, -1, -1):
        bit = (n >> t) & 1
        if swap ^ bit:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a, b = x2 + z2, x2 - z2
        aa, bb = a * a % _P, b * b % _P
        e = aa - bb
        c, d = x3 + z3, x3 - z3
        da, cb = d * a % _P, c * b % _P
        x3 = (da + cb) ** 2 % _P
        z3 = x1 * (da - cb) ** 2 % _P
        x2 = aa * bb % _P
        z2 = e * (aa + 121665 * e) % _P
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, _P - 2, _P) % _P).to_bytes(32, "little")


def public_key(private: bytes) -> bytes:
    return x25519(private, (9).to_bytes(32, "little"))


def load_public_pem(text: str) -> bytes:
    """The raw 32-byte key of an X25519 ``PUBLIC KEY`` PEM (as ``openssl genpkey -algorithm X25519`` writes)."""
    lines = [line.strip() for line in text.strip().splitlines()]
    if not lines or lines[0] != "-----BEGIN PUBLIC KEY-----" or lines[-1] != "-----END PUBLIC KEY-----":
        raise ValueError("not a PEM public key")
    der = base64.b64decode("".join(lines[1:-1]))
    if len(der) != len(SPKI_PREFIX) + 32 or not der.startswith(SPKI_PREFIX):
        raise ValueError("not an X25519 public key")
    return der[len(SPKI_PREFIX):]


def _rotl(v: int, c: int) -> int:
    return ((v << c) & _MASK) | (v >> (32 - c))


def _block(key_words: tuple[int, ...], counter: int, nonce_words: tuple[int, ...]) -> bytes:
    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *key_words, counter & _MASK, *nonce_words]
    x = list(state)
    for _ in range(10):
        for a, b, c, d in ((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                           (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14)):
            x[a] = (x[a] + x[b]) & _MASK
            x[d] = _rotl(x[d] ^ x[a], 16)
            x[c] = (x[c] + x[d]) & _MASK
            x[b] = _rotl(x[b] ^ x[c], 12)
            x[a] = (x[a] + x[b]) & _MASK
            x[d] = _rotl(x[d] ^ x[a], 8)
            x[c] = (x[c] + x[d]) & _MASK
            x[b] = _rotl(x[b] ^ x[c], 7)
    return struct.pack("<16I", *((x[i] + state[i]) & _MASK for i in range(16)))


def chacha20(key: bytes, counter: int, nonce: bytes, data: bytes) -> bytes:
    """RFC 8439 ChaCha20: ``data`` XOR the key stream starting at block ``counter``."""
    key_words = struct.unpack("<8I", key)
    nonce_words = struct.unpack("<3I", nonce)
    stream = b"".join(_block(key_words, counter + i, nonce_words) for i in range((len(data) + 63) // 64))
    return (int.from_bytes(data, "little") ^ int.from_bytes(stream[:len(data)], "little")).to_bytes(len(data), "little")


def poly1305(key: bytes, message: bytes) -> bytes:
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:], "little")
    p = (1 << 130) - 5
    acc = 0
    for i in range(0, len(message), 16):
        acc = (acc + int.from_bytes(message[i:i + 16] + b"\x01", "little")) * r % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def _pad16(data: bytes) -> bytes:
    return b"\x00" * (-len(data) % 16)


def aead_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """RFC 8439 AEAD_CHACHA20_POLY1305: ciphertext followed by the 16-byte tag."""
    otk = chacha20(key, 0, nonce, b"\x00" * 32)
    ciphertext = chacha20(key, 1, nonce, plaintext)
    mac_data = aad + _pad16(aad) + ciphertext + _pad16(ciphertext) + struct.pack("<QQ", len(aad), len(ciphertext))
    return ciphertext + poly1305(otk, mac_data)


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


class Sealer:
    """Seals payloads for one daemon key and one host secret; one ephemeral key per agent run."""

    def __init__(self, daemon_public: bytes, host_secret: bytes) -> None:
        private = os.urandom(32)
        self.ephemeral = public_key(private)
        shared = x25519(private, daemon_public)
        if shared == bytes(32):
            raise ValueError("invalid daemon public key")
        self.key = hkdf_sha256(shared, host_secret, INFO + self.ephemeral + daemon_public)

    def seal(self, data: bytes, header: bytes) -> bytes:
        nonce = os.urandom(12)
        return MAGIC + self.ephemeral + nonce + aead_encrypt(self.key, nonce, data, header)
