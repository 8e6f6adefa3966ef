"""lambeq's sentence-classification tasks, parsed without a network: MC and RP.

The files are lambeq's (``docs/examples/datasets/``, Apache License 2.0), shipped with
catlearn in :data:`DATA` (``catlearn/training/data/lambeq/``: no network needed). Each line is a label and a sentence. Word types are those lambeq's
Bobcat parser assigns in these data sets (nouns ``n``, adjectives ``n @ n.l``, transitive verbs
``n.r @ s @ n.l``, ``that`` as a subject or object relative pronoun), given here as a lexicon;
:func:`catlearn.diagrams.pregroup.parse` reduces each sentence. The relative pronoun's two
types are both in the lexicon: the parser picks the one that reduces (word order decides, as
in Bobcat), never the label.

>>> MC_LEXICON['tasty'], MC_LEXICON['cooks']
(n @ n.l, n.r @ s @ n.l)
>>> d = rp_lexicon()['that']
>>> [str(t) for t in d]
['n.r @ n @ n.l.l @ s.l', 'n.r @ n @ s.l @ n']
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from catlearn import errors
from catlearn.core.types import Ty
from catlearn.diagrams.diagram import Diagram
from catlearn.diagrams.pregroup import Pregroup, parse

__all__ = ["DATA", "MC_LEXICON", "RP_VERBS", "N", "S", "read_mc", "read_rp", "rp_lexicon"]

DATA = Path(__file__).resolve().parent / "data" / "lambeq"
"""The folder of lambeq's MC (``mc_{train,dev,test}_data.txt``) and RP
(``rp_{train,test}_data.txt``) files, shipped with catlearn (see its ``README.md``)."""

N, S = Pregroup("n"), Pregroup("s")
_ADJ, _TV = N @ N.l, N.r @ S @ N.l

MC_LEXICON: dict[str, Ty] = {
    **dict.fromkeys("woman person man software sauce meal program dinner application".split(), N),
    **dict.fromkeys("skillful useful tasty".split(), _ADJ),
    **dict.fromkeys("prepares debugs cooks bakes runs".split(), _TV),
}
"""Types of MC's 17 words (nouns, adjectives, transitive verbs)."""

RP_VERBS = tuple(
    """achieve allow attack attract build carry contain control cross destroy discover enter
    establish face feature fill haul have hit hold house include increase join keep leave lose
    love offer own play publish pull raise reflect remove replace represent require sell serve
    share show strike study submit support take teach transport use visit wear win""".split()
)
"""The transitive verbs of RP (every other word but ``that`` is a noun)."""


def rp_lexicon() -> dict[str, list[Ty]]:
    """A lexicon for RP: verbs ``n.r @ s @ n.l``, ``that`` either relative pronoun type, and
    every other word (looked up lazily) a noun ``n``."""

    class _Nouns(dict):  # type: ignore[type-arg]
        def __missing__(self, word: str) -> list[Ty]:
            return [N]

        def __contains__(self, word: object) -> bool:
            return isinstance(word, str)

    lex = _Nouns({v: [_TV] for v in RP_VERBS})
    lex["that"] = [N.r @ N @ N.l.l @ S.l, N.r @ N @ S.l @ N]
    return lex


def _read(path: str | os.PathLike[str]) -> list[tuple[int, list[str]]]:
    p = Path(path)
    if not p.is_file():
        raise errors.DataError(
            f"Expected a lambeq data file, got {str(p)!r}, which does not exist; the copies "
            f"shipped with catlearn are in {str(DATA)!r} (lambeq_tasks.DATA)."
        )
    out = []
    for line in p.read_text().splitlines():
        if line.strip():
            label, *tokens = line.split()
            out.append((int(label), [t for t in tokens if t != "."]))
    return out


def _one_hot(labels: list[int]) -> np.ndarray:
    y = np.asarray(labels, dtype=float)
    return np.stack([y, 1.0 - y], axis=1)  # lambeq's tutorial: [t, 1 - t]


def read_mc(path: str | os.PathLike[str]) -> tuple[list[Diagram], np.ndarray]:
    """Diagrams (``Ty() -> s``) and one-hot labels ``[t, 1 - t]`` of an MC file."""
    rows = _read(path)
    return [parse(t, MC_LEXICON, S) for _, t in rows], _one_hot([y for y, _ in rows])


def read_rp(path: str | os.PathLike[str]) -> tuple[list[Diagram], np.ndarray]:
    """Diagrams (``Ty() -> n``, the full stop dropped) and one-hot labels of an RP file."""
    rows, lex = _read(path), rp_lexicon()
    return [parse(t, lex, N) for _, t in rows], _one_hot([y for y, _ in rows])
