"""The shipped vocabularies: header and stage names in other languages (vocab/languages/) and
as CRM exports write them (vocab/dialects/), and the word probability scales (vocab/scales.toml).
Data files, read once; each name knows where it came from."""

import functools
import tomllib
from dataclasses import dataclass, field
from importlib import resources

from ..core.stages import normalize, stage_key


@dataclass(frozen=True)
class Entry:
    """One name a vocabulary knows: the field (header) or stage key it names, the language or
    export dialect it belongs to, and the source it was taken from."""

    name: str
    target: str
    origin: str
    source: str


@dataclass
class Vocabulary:
    """Every shipped name by its matching key: `headers` (normalize()) and `stages`
    (stage_key()); `scales` maps a normalised probability word to (percent, scale name).
    `conflicts` lists names two files give to different targets (kept: the first)."""

    headers: dict[str, Entry] = field(default_factory=dict)
    stages: dict[str, Entry] = field(default_factory=dict)
    scales: dict[str, tuple[int, str]] = field(default_factory=dict)
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)  # origin -> (headers, stages)
    conflicts: list[tuple[Entry, Entry]] = field(default_factory=list)

    def add(self, table: dict, key: str, entry: Entry) -> None:
        if not key:
            return
        other = table.setdefault(key, entry)
        if other.target != entry.target:
            self.conflicts.append((other, entry))


def _files(folder: str):
    base = resources.files("sheetsales.understand").joinpath("vocab", folder)
    return sorted((f for f in base.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)


def _entries(data: dict, section: str, origin: str, source: str):
    """(target, name, source) of a file's [headers] or [stages]: a language file lists
    names per target under one source; a dialect file gives each target its own source."""
    for target, value in data.get(section, {}).items():
        if isinstance(value, dict):
            for name in value["names"]:
                yield target, name, value["source"]
        else:
            for name in value:
                yield target, name, source


@functools.cache
def vocabulary() -> Vocabulary:
    """The shipped vocabularies, read from the package's data files on first use."""
    vocab = Vocabulary()
    for folder, label in (("languages", "language"), ("dialects", "dialect")):
        for path in _files(folder):
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            origin = data[label]
            counts = [0, 0]
            for index, (section, key_of, table) in enumerate(
                    (("headers", normalize, vocab.headers), ("stages", stage_key, vocab.stages))):
                for target, name, source in _entries(data, section, origin,
                                                     data.get("source", origin)):
                    vocab.add(table, key_of(name), Entry(name, target, origin, source))
                    counts[index] += 1
            vocab.sizes[origin] = (counts[0], counts[1])
    scales = tomllib.loads(resources.files("sheetsales.understand").joinpath(
        "vocab", "scales.toml").read_text(encoding="utf-8"))
    for name, scale in scales["scales"].items():
        for word, percent in scale["words"].items():
            vocab.scales.setdefault(normalize(word), (percent, name))
    return vocab
