"""Numbers the way Java reads and prints them, where Lucene's answers depend on it.

Lucene reads a boost or a ``~`` slop with ``Float.valueOf`` (so ``~2f`` and
``~1e1`` are numbers, and values are rounded to 32-bit floats) and turns a
phrase slop into an int with Java's saturating ``(int)`` cast.
"""

from __future__ import annotations

import math
import re
import struct
from decimal import Decimal

_DECIMAL = re.compile(r"[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[fFdD]?\Z")
_HEX = re.compile(r"([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)[fFdD]?\Z")


def to_float32(value: float) -> float:
    """``value`` rounded to the nearest 32-bit float (Java ``float``)."""
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def java_float(text: str) -> float | None:
    """``Float.valueOf(text)``, or None where Java throws NumberFormatException."""
    text = text.strip(" \t\n\r\x0b\x0c\x00")
    if _DECIMAL.match(text):
        return to_float32(float(text.rstrip("fFdD")))
    hexm = _HEX.match(text)
    if hexm and (hexm.group(2) or hexm.group(3)):
        sign, whole, frac, exp = hexm.groups()
        mantissa = int((whole + frac) or "0", 16)
        value = math.ldexp(mantissa, int(exp) - 4 * len(frac))
        return to_float32(-value if sign == "-" else value)
    return None


def java_int(value: float) -> int:
    """Java's ``(int)`` cast of a float: NaN is 0, out-of-range values saturate."""
    if math.isnan(value):
        return 0
    if value >= 2**31 - 1:
        return 2**31 - 1
    if value <= -(2**31):
        return -(2**31)
    return int(value)


def float32_str(value: float) -> str:
    """The shortest decimal that reads back as the same 32-bit float, Java-style
    (``2.0``, ``0.1``; exponent form outside 1e-3..1e7 as ``Float.toString`` does)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    target = to_float32(value)
    for digits in range(1, 10):
        text = f"{target:.{digits}g}"
        if to_float32(float(text)) == target:
            break
    number = float(text)
    if number != 0 and not 1e-3 <= abs(number) < 1e7:
        mantissa, _, exponent = f"{number:.{digits - 1}e}".partition("e")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}E{int(exponent)}"
    plain = repr(number) if "e" not in repr(number) else f"{number:f}"
    return plain


def float32_plain(value: float) -> str:
    """The shortest decimal reading back as the same 32-bit float, in plain digits
    (the query syntax's boost NUMBER has no sign, exponent or Infinity)."""
    if math.isinf(value) and value > 0:
        return "1" + "0" * 39  # overflows a float, as it must
    if math.isnan(value) or value < 0:
        raise ValueError(f"{value!r} has no plain-digits form")
    target = to_float32(value)
    for digits in range(1, 10):
        text = f"{target:.{digits}g}"
        if to_float32(float(text)) == target:
            break
    plain = format(Decimal(text), "f")
    return plain if "." in plain else plain + ".0"
