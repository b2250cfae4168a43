"""What the reliability suite did, printed at the end of the test session."""

from collections import Counter

counts: Counter = Counter()  # inputs tried, crashes survived, races run, ...
losses: list[str] = []  # every check that found lost or partial data (none, we hope)
peaks: dict[str, int] = {}  # "check empty.xlsx" -> peak bytes of that process


def lost(what: str) -> None:
    """Record a loss before the assertion that reports it."""
    losses.append(what)


def peak(label: str, rss: int) -> None:
    peaks[label] = max(rss, peaks.get(label, 0))
