"""What the harness's tests ask the embedded CPython about text, where a
twin must reproduce Python's answer exactly: difflib's matching blocks, the
``str`` whitespace table, lower-casing, and the alert correlator's
normalisation (``re.sub(r"[^a-z0-9\\s]", " ", text.lower())``). Each returns a
string the Rust test builds the same way."""

import struct
import sys
from difflib import SequenceMatcher

from .alert_correlator import SemanticCorrelator


def _bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def matching_blocks(a, b):
    """``"<ratio bits> i,j,k i,j,k ..."``: ``SequenceMatcher(None, a,
    b).ratio()`` as its IEEE bits, then every matching block (the final
    ``(len(a), len(b), 0)`` included)."""
    matcher = SequenceMatcher(None, a, b)
    blocks = " ".join(f"{i},{j},{k}" for i, j, k in matcher.get_matching_blocks())
    return f"{_bits(matcher.ratio())} {blocks}"


def _every_code_point():
    return "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)


def python_spaces():
    """Code points ``c`` with ``chr(c).isspace()``, comma-separated."""
    return ",".join(str(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def split_every_code_point():
    """``str.split()`` of every code point with ``x`` between neighbours: the
    words, joined by ``|``."""
    return "|".join("x".join(_every_code_point()).split())


def normalize_every_code_point():
    """The semantic correlator's ``_normalize_text`` of every code point,
    each between two ``x``."""
    return SemanticCorrelator()._normalize_text("x".join(_every_code_point()))


def normalize(text):
    return SemanticCorrelator()._normalize_text(text)


def ignorecase_letters():
    """For each ASCII letter, the code points ``re.compile(letter,
    re.IGNORECASE)`` matches: ``"a:65,97 b:66,98 ..."``."""
    import re
    text = _every_code_point()
    parts = []
    for letter in "abcdefghijklmnopqrstuvwxyz":
        pattern = re.compile(letter, re.IGNORECASE)
        matched = [ord(m.group()) for m in pattern.finditer(text)]
        parts.append(letter + ":" + ",".join(str(c) for c in matched))
    return " ".join(parts)


def json_roundtrip(text):
    """``"ok " + json.dumps(json.loads(text))``, or the class of what
    ``json.loads`` raised: ``"decode"`` (JSONDecodeError), ``"value"``
    (another ValueError: an integer past the digit limit)."""
    import json
    try:
        return "ok " + json.dumps(json.loads(text))
    except json.JSONDecodeError:
        return "decode"
    except ValueError:
        return "value"


def float_reprs(bits):
    """``repr`` of each float given as its IEEE bits, space-separated."""
    return " ".join(repr(struct.unpack("<d", struct.pack("<Q", int(b)))[0])
                    for b in bits.split())


def fixed_formats(bits):
    """``f"{x:.2f}"`` of each float given as its IEEE bits."""
    return " ".join(f"{struct.unpack('<d', struct.pack('<Q', int(b)))[0]:.2f}"
                    for b in bits.split())
