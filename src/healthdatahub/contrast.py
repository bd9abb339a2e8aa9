"""WCAG 2 contrast of two sRGB colours (``#rrggbb``): the one rule the hub's colours obey."""

from __future__ import annotations

#: WCAG 2.1 AA for normal text (1.4.3); the portal draws its colours as text and under text.
AA_TEXT = 4.5


def _luminance(colour: str) -> float:
    def linear(channel: int) -> float:
        v = channel / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast_ratio(a: str, b: str) -> float:
    """The contrast ratio of two ``#rrggbb`` colours, from 1 (same) to 21 (black on white)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
