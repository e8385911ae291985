"""A document's story signature: its word shingles in order, and LSH band keys.

Copies of a news story keep the text of its lead (the first sentences) and most of its
body; what outlets change is around it: a headline, a dateline or credit before the
text, boilerplate after it, the end cut off, a phrase edited here and there. So a
signature is made of the body alone (the headline only when there is no body), as
word 5-shingles in the order they first occur, and a MinHash of the lead's shingles, cut
into LSH bands: a document whose band key equals one of another's is a candidate copy, and
`grouping` decides with the shingles themselves. Pure functions, plain integer arithmetic
(no numpy: the daemon starts without it).

The MinHash is datasketch 2.0's `MinHash(num_perm=32, seed=1, hashfunc=int)` ("affine32"
scheme), which earlier versions called: its permutations are recorded below, so the band
keys stored in a state stay valid (tests/stories/test_signature_values.py compares both).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import struct
import sys
import unicodedata
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

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
_MULT = 1_000_003
_MIX = 0xBF58476D1CE4E5B9
_MASK64 = (1 << 64) - 1
_MASK32 = (1 << 32) - 1
_BAND = struct.Struct("<B" + "Q" * ROWS)
# datasketch 2.0, MinHash(num_perm=32, seed=1), scheme "affine32": h -> (a * h + b) mod 2**32
# for each (a, b), after mixing h with MurmurHash3's 32-bit finaliser
_PERM_A = (
    3582191691, 4270784983, 1892572953, 3715639441, 982527, 1100580627, 2597016983,
    4286725387, 1260623519, 2027988865, 793182497, 3406602499, 1599963033, 3332127887,
    2968344027, 1458107385, 3408206605, 3741252147, 333433189, 2974788137, 3600853501,
    2690998987, 1591023397, 210867113, 1756231447, 3809231353, 3248004053, 1972053305,
    235257659, 295613213, 1464304741, 3555906697,
)
_PERM_B = (
    1792310487, 1963679703, 2399554537, 1849836273, 602957303, 4033523166, 850839392,
    3343156310, 3439171725, 3075069929, 4158651785, 3447817223, 1346146623, 398576445,
    2973502998, 2225448249, 3764062721, 3715233664, 3842306364, 3561158865, 365262088,
    3563119320, 167739021, 1172740723, 729416111, 254447594, 3771593337, 2879896008,
    422396446, 2547196999, 1808643459, 2884732358,
)


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

    Each word is hashed once (CRC-32); a shingle's hash is the polynomial
    sum(word_j * 1000003**(4 - j)) mod 2**64 of its words' hashes, then mixed
    (x ^= x >> 31; x *= _MIX mod 2**64) and cut to its upper 32 bits. All shingles are
    computed at once by big-integer arithmetic on "packed" integers, one number per
    16-byte slot (see `_pack`): multiplying by `_kernel` adds up every window of words
    in its last slot, and no slot's result reaches the next one.
    """
    tokens = tokens[:MAX_WORDS]
    if not tokens:
        return ()
    known: dict[str, int] = {}
    ids = array("Q", [known.get(t) or known.setdefault(t, zlib.crc32(t.encode("utf-8",
                                                                           "surrogatepass")))
                      for t in tokens])
    span = min(SHINGLE, len(ids))
    count = len(ids) - span + 1
    sums = _pack(ids) * _kernel(span)  # slot i: the polynomial of the shingle ending there
    polys = _pack(_unpack(sums, len(ids) + span - 1, "Q")[2 * span - 2 : 2 * len(ids) : 2])
    mixed = ((polys ^ (polys >> 31)) & _low_mask(count)) * _MIX  # < 2**128 per slot
    unique = dict.fromkeys(_unpack(mixed, count, "I")[1::4])  # bits 32-63 of each slot
    return tuple(itertools.islice(unique, MAX_SHINGLES))


def _pack(values: array[int]) -> int:
    """Unsigned 64-bit values as one integer, value i in bits 128*i .. 128*i + 63."""
    slots = array("Q", bytes(_SLOT * len(values)))
    slots[::2] = values
    return int.from_bytes(_little(slots), "little")


def _unpack(packed: int, size: int, typecode: str) -> array[int]:
    """The first `size` slots of a packed integer as unsigned 64-bit ("Q": two per slot,
    lower half first) or 32-bit ("I": four per slot) numbers."""
    return _little(array(typecode, packed.to_bytes(_SLOT * size, "little")))


def _little(numbers: array[int]) -> array[int]:
    """An array of numbers as little-endian bytes or from them (swapped on big-endian)."""
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


_SLOT = 16  # bytes per value in a packed integer (a sum of a shingle is < 2**115)
_LOW_ONES = (b"\xff" * 8 + bytes(8)) * MAX_WORDS
_PACKED_A = _pack(array("Q", _PERM_A))
_PACKED_B = _pack(array("Q", _PERM_B))


def _kernel(span: int) -> int:
    """What a packed integer is multiplied by to sum each window of `span` values with the
    polynomial's weights: 1000003**j in slot j."""
    return sum(_MULT**j << (8 * _SLOT * j) for j in range(span))


def _low_mask(count: int) -> int:
    """Ones in the lower 64 bits of `count` slots."""
    return int.from_bytes(_LOW_ONES[: _SLOT * count], "little")


def _fmix32(value: int) -> int:
    """MurmurHash3's 32-bit finaliser (a bijection), as datasketch applies it first."""
    value ^= value >> 16
    value = (value * 0x85EBCA6B) & _MASK32
    value ^= value >> 13
    value = (value * 0xC2B2AE35) & _MASK32
    return value ^ (value >> 16)


def minhash(values: Sequence[int]) -> tuple[int, ...]:
    """The MinHash of a non-empty set of 32-bit values: for each permutation (a, b), the
    least (a * h + b) mod 2**32 over the mixed values h (datasketch's `update_batch`).
    Each h is applied to all permutations at once, in packed integers (see `_pack`)."""
    rows = [_unpack(_PACKED_A * _fmix32(v) + _PACKED_B, NUM_PERM, "I")[::4]
            for v in values]  # the lower 32 bits of each slot
    return tuple(map(min, zip(*rows, strict=True)))


def band_keys(lead: tuple[int, ...]) -> tuple[int, ...]:
    """LSH band keys of a MinHash of the lead's shingles: each band's number (a byte) and
    values (8-byte little-endian integers, as numpy's uint64 laid them out before), hashed."""
    values = minhash(lead)
    return tuple(
        int.from_bytes(hashlib.blake2b(_BAND.pack(band, *values[band * ROWS : (band + 1) * ROWS]),
                                       digest_size=8).digest(), "big", signed=True)
        for band in range(NUM_PERM // ROWS))


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
