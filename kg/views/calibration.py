"""Fuzzy-set membership by direct calibration (Ragin 2008), for fsQCA and R's ``QCA`` package.

A condition measured as a number (how many application scenarios a city codes) becomes a degree
of membership between 0 and 1 from three anchors the scholar states: full non-membership
(0.05), the crossover (0.5) and full membership (0.95). Between them the log-odds of membership
rise linearly, as ``QCA::calibrate(x, type = "fuzzy", thresholds = c(e, c, i), logistic = TRUE,
idm = 0.95)`` computes it; anchors given from high to low make a decreasing set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# the membership the outer anchors stand for (QCA's idm): log-odds ln(0.95 / 0.05) = ln 19
FULL_MEMBERSHIP = 0.95
_LOG_ODDS = math.log(FULL_MEMBERSHIP / (1 - FULL_MEMBERSHIP))


@dataclass(frozen=True)
class Anchors:
    """Full non-membership, crossover and full membership of one condition."""

    exclusion: float
    crossover: float
    inclusion: float

    def __post_init__(self) -> None:
        low, high = sorted((self.exclusion, self.inclusion))
        if not low < self.crossover < high:
            raise ValueError(
                f"the crossover ({self.crossover:g}) must lie strictly between full "
                f"non-membership ({self.exclusion:g}) and full membership ({self.inclusion:g})"
            )

    def text(self) -> str:
        """'0, 1.5, 4' as the codebook and --anchor write them."""
        return ", ".join(f"{a:g}" for a in (self.exclusion, self.crossover, self.inclusion))


def parse_anchors(text: str) -> Anchors:
    """'0,1.5,4' → Anchors; a ValueError saying what is wrong otherwise."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 3:
        raise ValueError(
            "give three numbers, full non-membership, crossover and full membership, as in 0,1.5,4"
        )
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise ValueError("the anchors must be numbers, as in 0,1.5,4") from None
    if not all(math.isfinite(n) for n in numbers):
        raise ValueError("the anchors must be finite numbers")
    return Anchors(*numbers)


def membership(value: float, anchors: Anchors) -> float:
    """The degree of membership of ``value`` (0.05 at exclusion, 0.5 at the crossover, 0.95 at
    inclusion, logistic in between and beyond)."""
    distance = value - anchors.crossover
    toward_inclusion = anchors.inclusion - anchors.crossover
    if distance * toward_inclusion >= 0:
        log_odds = distance * _LOG_ODDS / toward_inclusion
    else:
        log_odds = distance * _LOG_ODDS / (anchors.crossover - anchors.exclusion)
    return 1 / (1 + math.exp(-log_odds))
