"""fedgate's compiled matching kernels (Rust, PyO3)."""

class SoundTable:
    """The costs of the sound classes: each one's cost to add or drop, and each pair's cost to write one as the
    other (`substitutions[first * len(symbols) + second]`)."""

    def __init__(self, symbols: str, costs: list[float], substitutions: list[float]) -> None: ...
    def similarity(self, first: str, second: str) -> float:
        """1 minus the weighted edit distance of two sound strings over the larger one's weight (0 to 1);
        ValueError for a character that is no symbol of the table."""
    def part_likeness(
        self, mine: list[str] | tuple[str, ...], theirs: list[str] | tuple[str, ...], floor: float
    ) -> float:
        """Each of my parts' sounds beside the most alike of theirs, a part less alike than `floor` to every one
        counting nothing, over the larger number of parts (0 to 1; 0 when either has no part)."""
    def likeness_many(
        self,
        mine: list[str] | tuple[str, ...],
        mine_whole: str,
        theirs: list[tuple[list[str], str]],
        floor: float,
    ) -> list[float]:
        """How alike my name is to each of theirs (its parts' sounds, and its whole sounds): `part_likeness`, and
        where a name has another number of parts than mine, the better of that and the `similarity` of the whole
        names' sounds (read only then). 0 for a name with no part, or when mine has none."""

def letters_likeness(
    mine: list[str] | tuple[str, ...], theirs: list[str] | tuple[str, ...], floor: float, initial_score: float
) -> float:
    """Each of my parts beside the most alike of theirs, letter for letter (Levenshtein over the longer part; an
    initial is `initial_score` alike to a part it begins), a part less alike than `floor` to every one counting
    nothing, over the larger number of parts (0 to 1; 0 when either has no part)."""

def letters_likeness_many(
    mine: list[str] | tuple[str, ...],
    theirs: list[list[str]] | list[tuple[str, ...]],
    floor: float,
    initial_score: float,
) -> list[float]:
    """How alike my name is to each of theirs letter for letter: `letters_likeness`, and where a name has another
    number of parts than mine, the better of that and rapidfuzz's token_sort_ratio of the whole names (over 100).
    0 for a name with no part, or when mine has none."""
