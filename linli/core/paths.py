"""Materialised paths: each place's path is its parent's path plus a fixed-width segment,
so "everything under X" is `path LIKE 'X%'` on one index, at any depth.

Segments are 4 characters of base 36 (1.68 million children per parent). On PostgreSQL the
path columns use the "C" collation (see linli.core.migration_ops) so the btree index serves
prefix LIKE and range comparisons whatever the database's locale."""

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEP = 4
MAX_CHILDREN = len(ALPHABET) ** STEP
# Sorts after every character of the alphabet: path >= P and path < P + END is the subtree.
END = "~"


def segment(number: int) -> str:
    if not 0 <= number < MAX_CHILDREN:
        raise ValueError(f"segment number out of range: {number}")
    chars = []
    for _ in range(STEP):
        number, rem = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[rem])
    return "".join(reversed(chars))


def depth_of(path: str) -> int:
    return len(path) // STEP


def parent_path(path: str) -> str:
    return path[:-STEP]


def ancestors_paths(path: str) -> list[str]:
    """Paths of every ancestor, root first, excluding the path itself."""
    return [path[:i] for i in range(STEP, len(path), STEP)]


def collapse(prefixes) -> list[str]:
    """Drop prefixes already covered by a shorter one: ['A', 'AB', 'C'] -> ['A', 'C']."""
    out: list[str] = []
    for p in sorted(set(prefixes)):
        if not out or not p.startswith(out[-1]):
            out.append(p)
    return out
