"""Story signatures keep their values: the shingles and band keys a state already holds
were made with numpy and datasketch 2.0's MinHash, which the daemon no longer imports
(they cost a second of its start-up); the plain-integer code must give the same numbers,
or every stored story would stop meeting its new copies."""

from __future__ import annotations

import hashlib
import zlib

import pytest

from monitor.stories import signature
from monitor.stories.signature import LEAD, MAX_WORDS, MIN_SHINGLES, NUM_PERM, ROWS, sign, words
from tests.conftest import shared_path
from tests.stories import articles

# Made by the numpy/datasketch code (60c0c2a) from the test articles: the number of
# shingles, the first four, a digest of all of them as stored, and the 16 band keys.
RECORDED = {
    "FOOTER": (22, (921098692, 1383937388, 694441121, 2274210662), "b5520549dede3d5b",
               (-6092006516775548047, 7588633797295164849, 5774895447000939979,
                -746484138648917501, 5730034549071535566, -4709475738112053642,
                2288323916156954570, 2383166415119970940, 3471101988032368170,
                3910892900153520563, 4732017198767930678, 5245875088555931251,
                3194302454572512919, -300790297141435261, 4969374062079381827,
                3832980210670288496)),
    "OTHER_EN": (61, (3613583032, 244804835, 3027710807, 2096759472), "1f97ba3081be5b2b",
                 (6965630036506318175, 3663076312033772035, 5100702869741382134,
                  -7893054377786687888, -8379869995666821482, 4810544818824062801,
                  -4272878862901189803, 6818260801252870686, -7751989430740718483,
                  2942923401183076176, 2150205873813935980, -474376691105340375,
                  2499973058000616277, 5483786203511051198, -6452315132563779124,
                  7989399156283579311)),
    "WIRE_EN": (116, (1443164100, 102439873, 3647578938, 543555528), "8f31aec00b352a5e",
                (7223970655969085014, -3551282963693010911, -3846715220284867723,
                 607715981087814797, 6156816151272466083, 5487366378722272350,
                 -1433152130422515580, 8132163908262015902, 2800788837536887883,
                 -5321046539196658360, -6712406008786484471, -7697984208276900611,
                 7564738950543174871, -4211901654607478768, 7523081673845984713,
                 1595519298739941559)),
    "WIRE_RU": (67, (3428937093, 239248082, 2826603190, 504652825), "5ab07602b8c2b609",
                (6069547279532922529, 4958669707526639286, 210589079410872917,
                 635531804961254553, 8809651886840094709, -4133093602913158733,
                 -1853648846662482439, 3968440410209349221, 1573336981271638419,
                 1911210165488104039, 2862091772413375987, 7627381091358520334,
                 -821224877753652753, -3633853504299664876, 4586158949567438303,
                 -5239836026077336866)),
}
# Edges: nothing, fewer words than a shingle, a repeated word, more words than are read,
# numbers, a lone surrogate (hashed with surrogatepass), a phrase repeated.
EDGES = ["", "a", "one two", "one two three four five", "x " * 50, "word " * 5000,
         " ".join(str(i) for i in range(5000)), "\ud800 abc def ghi jkl mno pqr stu vwx yz",
         "the same phrase again and " * 30 + " ".join(f"w{i}" for i in range(40))]


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_signatures_of_the_test_articles_are_those_recorded(name: str) -> None:
    count, first, digest, bands = RECORDED[name]
    made = sign("", getattr(articles, name))
    assert len(made.shingles) == count
    assert made.shingles[:4] == first
    assert hashlib.blake2b(made.to_bytes(), digest_size=8).hexdigest() == digest
    assert made.bands == bands


def reference(title: str, body: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Shingles and band keys as the numpy/datasketch code made them."""
    np = pytest.importorskip("numpy")
    datasketch = pytest.importorskip("datasketch")
    tokens = (words(body) or words(title))[:MAX_WORDS]
    if not tokens:
        return (), ()
    ids = np.array([zlib.crc32(t.encode("utf-8", "surrogatepass")) for t in tokens],
                   dtype=np.uint64)
    span = min(5, len(tokens))
    count = len(tokens) - span + 1
    mixed = np.zeros(count, dtype=np.uint64)
    for j in range(span):
        mixed = mixed * np.uint64(1_000_003) + ids[j : j + count]
    mixed ^= mixed >> np.uint64(31)
    mixed *= np.uint64(0xBF58476D1CE4E5B9)
    hashes = (mixed >> np.uint64(32)).astype(np.uint32)
    _, first = np.unique(hashes, return_index=True)
    shingles = tuple(hashes[np.sort(first)[:1000]].tolist())
    if len(shingles) < MIN_SHINGLES:
        return shingles, ()
    minhash = datasketch.MinHash(num_perm=NUM_PERM, seed=1, hashfunc=int)
    minhash.update_batch(shingles[:LEAD])
    values = np.asarray(minhash.hashvalues, dtype=np.uint64)
    bands = tuple(
        int.from_bytes(hashlib.blake2b(bytes([band]) + values[band * ROWS:(band + 1) * ROWS]
                                       .tobytes(), digest_size=8).digest(), "big", signed=True)
        for band in range(NUM_PERM // ROWS))
    return shingles, bands


def test_the_edges_give_what_numpy_and_datasketch_gave() -> None:
    for text in EDGES:
        made = sign("headline words", text)
        assert (made.shingles, made.bands) == reference("headline words", text), text[:40]


def test_the_news_corpus_gives_what_numpy_and_datasketch_gave() -> None:
    """Every third article of the 4,783 real ru/en news articles: identical signatures."""
    files = sorted(shared_path("corpora", "news").rglob("*.txt"))[::3]
    assert len(files) > 1000
    differ = []
    for path in files:
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        made = sign(title, body)
        if (made.shingles, made.bands) != reference(title, body):
            differ.append(path.name)
    assert not differ


def test_the_permutations_are_datasketchs() -> None:
    datasketch = pytest.importorskip("datasketch")
    a, b = datasketch.MinHash(num_perm=NUM_PERM, seed=1, hashfunc=int).permutations
    assert tuple(int(x) for x in a) == signature._PERM_A
    assert tuple(int(x) for x in b) == signature._PERM_B


def test_a_lead_of_one_value_has_the_permuted_value_everywhere() -> None:
    """minhash of one value h is (a*fmix(h) + b) mod 2**32 for each permutation."""
    h = signature._fmix32(12345)
    assert signature.minhash([12345]) == tuple(
        (a * h + b) % 2**32 for a, b in zip(signature._PERM_A, signature._PERM_B, strict=True))
