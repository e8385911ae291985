"""A document's story signature: its word shingles in order, and LSH band keys.

Copies of a news story keep the text of its lead (the first sentences) and most of its
body; what outlets change is around it: a headline, a dateline or credit before the
text, boilerplate after it, the end cut off, a phrase edited here and there. So a
signature is made of the body alone (the headline only when there is no body), as
word 5-shingles in the order they first occur, and a MinHash (datasketch) of the lead's
shingles, cut into LSH bands: a document whose band key equals one of another's is a
candidate copy, and `grouping` decides with the shingles themselves. Pure functions.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from array import array
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

SHINGLE = 5  # words per shingle
LEAD = 24  # shingles of the lead: hashed for candidates, compared both ways
MAX_SHINGLES = 1000  # bounded state for a long document (~1,000 words: most news)
MAX_WORDS = 2 * MAX_SHINGLES  # bounded work: words read from the start of a document
MAX_CHARS = 12 * MAX_WORDS
MIN_SHINGLES = 8  # fewer (a one-liner, a repeated sentence): too little to tell copies
NUM_PERM = 32
ROWS = 2  # MinHash values per band: 16 bands; a lead sharing half its shingles is a
# candidate with probability ~0.99 (1 - (1 - 0.5**2)**16)
_WORD = re.compile(r"\w+")
_MULT = np.uint64(1_000_003)
_MIX = np.uint64(0xBF58476D1CE4E5B9)
_MINHASH = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=int)  # reused: cleared for each
# lead (making one costs more than hashing a lead); signing runs in one thread at a time


@dataclass(frozen=True, slots=True, kw_only=True)
class Signature:
    """What is kept of a document to recognise its copies."""

    shingles: tuple[int, ...]  # 32-bit shingle hashes, unique, in order of first occurrence
    bands: tuple[int, ...]  # signed 64-bit LSH band keys of the lead; () when too short

    @property
    def usable(self) -> bool:
        """Whether there is enough text to compare (short or repetitive text stays alone)."""
        return len(self.shingles) >= MIN_SHINGLES

    def to_bytes(self) -> bytes:
        """The shingles as stored (4 bytes each)."""
        return array("I", self.shingles).tobytes()


def words(text: str) -> list[str]:
    """The words of a text, case-folded and NFKC-normalised (quotes and dashes vanish)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text[:MAX_CHARS]).casefold())


def shingle_hashes(tokens: list[str]) -> tuple[int, ...]:
    """32-bit hashes of the word shingles, unique, in order of first occurrence (capped).

    Each word is hashed once (CRC-32); a shingle's hash is a polynomial of its words'
    hashes, computed for all shingles at once with numpy, then mixed and cut to 32 bits.
    """
    tokens = tokens[:MAX_WORDS]
    if not tokens:
        return ()
    known: dict[str, int] = {}
    ids = np.fromiter(
        (known.setdefault(t, zlib.crc32(t.encode("utf-8", "surrogatepass"))) for t in tokens),
        dtype=np.uint64, count=len(tokens),
    )
    span = min(SHINGLE, len(tokens))
    count = len(tokens) - span + 1
    mixed = np.zeros(count, dtype=np.uint64)
    for j in range(span):  # wraps modulo 2**64, as intended
        mixed = mixed * _MULT + ids[j : j + count]
    mixed ^= mixed >> np.uint64(31)
    mixed *= _MIX
    hashes = (mixed >> np.uint64(32)).astype(np.uint32)
    _, first = np.unique(hashes, return_index=True)
    return tuple(hashes[np.sort(first)[:MAX_SHINGLES]].tolist())


def band_keys(lead: tuple[int, ...]) -> tuple[int, ...]:
    """LSH band keys of a MinHash of the lead's shingles (band number mixed in)."""
    _MINHASH.clear()
    _MINHASH.update_batch(lead)
    values = np.asarray(_MINHASH.hashvalues, dtype=np.uint64)
    keys = []
    for band in range(NUM_PERM // ROWS):
        chunk = bytes([band]) + values[band * ROWS : (band + 1) * ROWS].tobytes()
        keys.append(int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "big",
                                   signed=True))
    return tuple(keys)


def sign(title: str, body: str) -> Signature:
    """The signature of a document: of its body (of its headline when it has no body)."""
    tokens = words(body) or words(title)
    shingles = shingle_hashes(tokens)
    if len(shingles) < MIN_SHINGLES:
        return Signature(shingles=shingles, bands=())
    return Signature(shingles=shingles, bands=band_keys(shingles[:LEAD]))


def from_bytes(data: bytes) -> tuple[int, ...]:
    """Stored shingles back as a tuple."""
    out = array("I")
    out.frombytes(data[: len(data) - len(data) % 4])
    return tuple(out)
