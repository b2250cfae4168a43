"""Word forms and one-letter typos of labels, compared by their normalised keys."""

_SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ied", "ies", "als", "al", "ed",
             "es", "s", "e", "y")


def word_stem(key: str) -> str:
    """A stage key without its English endings, twice at most and keeping four letters:
    "proposing" and "proposal" share one, as do "qualifying" and "qualified"."""
    for _ in range(2):
        for suffix in _SUFFIXES:
            if key.endswith(suffix) and len(key) - len(suffix) >= 4:
                key = key[: -len(suffix)]
                break
        else:
            break
    return key


def one_edit(a: str, b: str) -> bool:
    """Whether `a` becomes `b` by one inserted, deleted, replaced or swapped letter."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), len(a))
    if len(a) < len(b):
        return a[i:] == b[i + 1:]
    return a[i + 1:] == b[i + 1:] or (a[i + 2:] == b[i + 2:] and a[i:i + 2] == b[i:i + 2][::-1])
