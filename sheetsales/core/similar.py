"""Likely duplicate deals: same company, contact and product, dated close together. Shared by
the IDS003 rule and `sheetsales clean dupes`."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Hashable

# Most telling first: IDS003 narrows deals field by field in this order, and a person
# rarely has two deals while a company often has many.
SIMILAR_KEYS = ("contact", "company", "product")
DUPE_DAYS = 14


def similar_clusters(entries: Iterable[tuple[Hashable, dt.date, int]],
                     within_days: int = DUPE_DAYS) -> list[list[int]]:
    """Groups of two or more rows with equal keys whose dates chain within `within_days` of
    each other, each group sorted by row. `entries` are (key, date, row)."""
    by_key = defaultdict(list)
    for key, day, row in entries:
        by_key[key].append((day, row))
    clusters = []
    for dated in by_key.values():
        if len(dated) < 2:
            continue
        dated.sort()
        cluster = [dated[0]]
        for day, row in dated[1:] + [(None, None)]:
            if day is not None and (day - cluster[-1][0]).days <= within_days:
                cluster.append((day, row))
                continue
            if len(cluster) > 1:
                clusters.append(sorted(r for _, r in cluster))
            cluster = [(day, row)]
    return clusters
