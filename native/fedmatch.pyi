"""fedgate's compiled matching kernels (Rust, PyO3)."""

class SoundTable:
    """The costs of the sound classes: each one's cost to add or drop, and each pair's cost to write one as the
    other (`substitutions[first * len(symbols) + second]`)."""

    def __init__(self, symbols: str, costs: list[float], substitutions: list[float]) -> None: ...
    def similarity(self, first: str, second: str) -> float:
        """1 minus the weighted edit distance of two sound strings over the larger one's weight (0 to 1);
        ValueError for a character that is no symbol of the table."""
