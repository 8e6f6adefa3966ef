r"""A small, generated, offline sentence-classification task over a tiny grammar.

Sentences (Toumi's functorial learning; DisCoCat of Coecke, Sadrzadeh, Clark) are
parsed into diagrams of word boxes over two wire types, the noun space
:math:`N = \mathbb R^d` and the sentence space :math:`S = \mathbb R^2` (two logits):

* a **noun** is a state :math:`I \to N` (a learned vector);
* an **adjective** is an affine map :math:`N \to N` (:func:`catlearn.diagrams.nn.Linear`),
  applied to its noun ("big red dog" is ``dog >> red >> big``);
* a **transitive verb** is an affine map :math:`N \to N` applied to its object, and ONE
  learned ``combine`` box :math:`N \otimes N \to S` (a small MLP) joins the subject with
  the verb phrase: ``(subject @ object) >> (N @ verb) >> combine``;
* an **intransitive verb** is an affine map :math:`N \to S` applied to its subject.

Words: 16 nouns (8 animals, 8 vehicles), 10 adjectives, 10 transitive and 6 intransitive
verbs (42 words; with ``combine``, 43 boxes). A sentence has 0 to 2 adjectives on each
noun: 9 transitive shapes and 3 intransitive ones, 12 distinct shapes in all.

The label is the topic (0 animal, 1 vehicle) of the **subject**. With ``task="subject"``
(the default) the object is drawn from either topic, so the words alone do not say which
noun is the subject: a bag of words sees ``{dog, car, sees}`` for both "dog sees car"
(label 0) and "car sees dog" (label 1); the diagram does. With ``task="topic"`` every noun
of a sentence shares its topic (a bag of words suffices). Everything is drawn from
``numpy.random.default_rng(seed)``: the data set is the same on every machine.

>>> data = sentence_data(5, seed=0)
>>> len(data), data[0][1] in (0, 1)
(5, True)
>>> words(0, seed=0) == sentences(1, seed=0)[0][0]
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.para import Para, ParamSpec
from catlearn.core.types import Euclid, Ty
from catlearn.diagrams import nn
from catlearn.diagrams.diagram import Box, Diagram
from catlearn.errors import DataError, HyperparameterError

__all__ = [
    "ADJECTIVES",
    "INTRANSITIVE",
    "NOUNS",
    "TRANSITIVE",
    "bag_of_words",
    "parse",
    "sentence_data",
    "sentences",
    "vocabulary",
    "words",
]

NOUNS = (
    ("dog", "cat", "horse", "bird", "fish", "mouse", "rabbit", "fox"),
    ("car", "bus", "train", "truck", "plane", "boat", "bike", "tram"),
)
"""Nouns of topic 0 (animals) and topic 1 (vehicles)."""
ADJECTIVES = ("big", "small", "old", "young", "red", "fast", "slow", "quiet", "loud", "grey")
TRANSITIVE = ("sees", "follows", "passes", "chases", "meets", "hits", "avoids", "likes",
              "finds", "watches")  # fmt: skip
INTRANSITIVE = ("runs", "stops", "waits", "moves", "sleeps", "turns")


def vocabulary() -> list[str]:
    """All 42 words, nouns first.

    >>> len(vocabulary())
    42
    """
    return [*NOUNS[0], *NOUNS[1], *ADJECTIVES, *TRANSITIVE, *INTRANSITIVE]


@dataclass(frozen=True)
class StateSpec:
    """Spec of a noun box ``Ty() -> Euclid(d)``: a learned vector (normal init, std 1)."""

    def to_para(self, box: Box) -> Para:
        """The Para arrow ``v, () -> v``."""
        (d,) = box.cod.inside[0].shape
        spec = {"v": ParamSpec((d,), jax.nn.initializers.normal(1.0))}
        return Para(box.dom, box.cod, spec, lambda p, x: p["v"], name=box.name)


@dataclass(frozen=True)
class CombineSpec:
    """Spec of ``combine : N @ N -> S``: ``tanh([s, o] W1 + b1) W2 + b2``."""

    hidden: int = 16

    def to_para(self, box: Box) -> Para:
        """The Para arrow of a one-hidden-layer MLP on the concatenated nouns."""
        (d,), (k,) = box.dom.inside[0].shape, box.cod.inside[0].shape
        h = self.hidden
        lecun = jax.nn.initializers.lecun_normal()
        spec = {
            "W1": ParamSpec((2 * d, h), lecun),
            "b1": ParamSpec((h,)),
            "W2": ParamSpec((h, k), lecun),
            "b2": ParamSpec((k,)),
        }

        def fn(p: Any, x: Any) -> Any:
            z = jnp.tanh(jnp.concatenate(x) @ p["W1"] + p["b1"])
            return z @ p["W2"] + p["b2"]

        return Para(box.dom, box.cod, spec, fn, name=box.name)


def _box(word: str, dim: int, hidden: int) -> Box:
    n, s = Euclid(dim), Euclid(2)
    if word in NOUNS[0] or word in NOUNS[1]:
        return Box(word, Ty(), n, StateSpec())
    if word in ADJECTIVES or word in TRANSITIVE:
        return nn.Linear(n, n, name=word)
    if word in INTRANSITIVE:
        return nn.Linear(n, s, name=word)
    if word == "combine":
        return Box("combine", n @ n, s, CombineSpec(hidden))
    raise DataError(f"Expected a word of the grammar ({', '.join(vocabulary())}), got {word!r}.")


def parse(sentence: Sequence[str] | str, *, dim: int = 8, hidden: int = 16) -> Diagram:
    """The diagram of a sentence ``adj* noun (adj* noun transitive | intransitive)``.

    Written in the usual order ``big dog sees red car`` / ``old cat sleeps``.

    >>> parse("big dog sees red car")
    Diagram(Ty() -> Euclid(2): dog >> big >> car >> red >> sees >> combine)
    >>> parse("old cat sleeps").boxes[-1].name
    'sleeps'
    """
    if not isinstance(sentence, str) and not (
        isinstance(sentence, Sequence) and all(isinstance(w, str) for w in sentence)
    ):
        raise errors.ArgumentTypeError(
            f"Expected a sentence as a string or a list of words, got "
            f"{type(sentence).__name__} ({sentence!r:.60}); pass e.g. 'big dog sees red car'."
        )
    ws = sentence.split() if isinstance(sentence, str) else list(sentence)
    unknown = [w for w in ws if w not in vocabulary()]
    if unknown:
        raise DataError(
            f"Expected a sentence over the grammar's words, got the unknown word"
            f"{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} in {ws!r}; "
            "the words are sentences.vocabulary()."
        )
    nouns = [i for i, w in enumerate(ws) if w in NOUNS[0] or w in NOUNS[1]]
    if not nouns:
        raise DataError(f"Expected a sentence with a noun, got {ws!r}.")

    def phrase(adjs: list[str], noun: str) -> Diagram:
        d: Diagram = _box(noun, dim, hidden)
        for a in reversed(adjs):
            d = d >> _box(a, dim, hidden)
        return d

    subj = phrase(ws[: nouns[0]], ws[nouns[0]])
    verb = ws[nouns[0] + 1] if nouns[0] + 1 < len(ws) else None
    if verb in INTRANSITIVE and len(ws) == nouns[0] + 2:
        return subj >> _box(verb, dim, hidden)
    if verb in TRANSITIVE and len(nouns) == 2 and nouns[1] == len(ws) - 1:
        obj = phrase(ws[nouns[0] + 2 : nouns[1]], ws[nouns[1]])
        n = Euclid(dim)
        return (subj @ obj) >> (n @ _box(verb, dim, hidden)) >> _box("combine", dim, hidden)
    raise DataError(
        f"Expected 'adj* noun transitive adj* noun' or 'adj* noun intransitive', got {ws!r}."
    )


def sentences(
    n: int = 2000, *, seed: int = 0, task: str = "subject", max_adjectives: int = 2
) -> list[tuple[list[str], int]]:
    """``n`` random sentences (word lists) and their labels (topic of the subject).

    A quarter are intransitive; each noun gets 0 to ``max_adjectives`` distinct adjectives
    (so there are :math:`(m + 1)^2 + (m + 1)` shapes: 12 for ``m = 2``, 2 for ``m = 0``).

    >>> sentences(2, seed=1)
    [(['quiet', 'fox', 'sleeps'], 0), (['train', 'finds', 'bird'], 1)]
    """
    if task not in ("subject", "topic"):
        raise HyperparameterError(f"Expected task='subject' or 'topic', got {task!r}.")
    if max_adjectives not in (0, 1, 2):
        raise HyperparameterError(f"Expected max_adjectives in 0, 1, 2, got {max_adjectives!r}.")
    if not isinstance(n, int) or n < 0:
        raise HyperparameterError(f"Expected a non-negative number of sentences, got {n!r}.")
    rng = np.random.default_rng(seed)

    def phrase(topic: int) -> list[str]:
        k = int(rng.integers(0, max_adjectives + 1))
        adjs = [ADJECTIVES[i] for i in rng.choice(len(ADJECTIVES), size=k, replace=False)]
        return [*adjs, NOUNS[topic][int(rng.integers(0, 8))]]

    out = []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        subj = phrase(label)
        if rng.random() < 0.25:
            out.append(([*subj, INTRANSITIVE[int(rng.integers(0, 6))]], label))
            continue
        other = label if task == "topic" else int(rng.integers(0, 2))
        verb = TRANSITIVE[int(rng.integers(0, 10))]
        out.append(([*subj, verb, *phrase(other)], label))
    return out


def words(i: int, *, seed: int = 0, task: str = "subject", max_adjectives: int = 2) -> list[str]:
    """The words of sentence ``i`` of :func:`sentences` with this seed.

    It replays the generator, so its cost is linear in ``i`` (about 0.1 ms per sentence).

    >>> words(1, seed=1)
    ['train', 'finds', 'bird']
    """
    if isinstance(i, bool) or not isinstance(i, int) or i < 0:
        raise errors.ArgumentValueError(f"Expected a sentence index i >= 0, got {i!r:.60}.")
    return sentences(i + 1, seed=seed, task=task, max_adjectives=max_adjectives)[i][0]


def sentence_data(
    n: int = 2000,
    *,
    seed: int = 0,
    task: str = "subject",
    max_adjectives: int = 2,
    dim: int = 8,
    hidden: int = 16,
) -> list[tuple[Diagram, int]]:
    """``n`` pairs ``(diagram, label)``: the data set of :func:`fit_functor`'s sentence task.

    >>> d, y = sentence_data(1, seed=3)[0]
    >>> d.dom, d.cod
    (Ty(), Euclid(2))
    """
    texts = sentences(n, seed=seed, task=task, max_adjectives=max_adjectives)
    return [(parse(ws, dim=dim, hidden=hidden), y) for ws, y in texts]


def bag_of_words(texts: Sequence[Sequence[str]]) -> np.ndarray:
    """Word counts ``(n, 42)`` over :func:`vocabulary` (the baseline's input).

    >>> bag_of_words([["dog", "sees", "dog"]])[0, :2]
    array([2., 0.])
    """
    index = {w: i for i, w in enumerate(vocabulary())}
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise errors.ArgumentTypeError(
            f"Expected a list of sentences (each a list of words), got {type(texts).__name__} "
            f"({texts!r:.60}); pass e.g. [['big', 'dog', 'sleeps']]."
        )
    out = np.zeros((len(texts), len(index)))
    for j, ws in enumerate(texts):
        ws = ws.split() if isinstance(ws, str) else ws
        if not isinstance(ws, Sequence) or any(
            not isinstance(w, str) or w not in index for w in ws
        ):
            raise DataError(
                f"Expected sentence {j} as words of the vocabulary, got {ws!r:.60}; see "
                "vocabulary()."
            )
        for w in ws:
            out[j, index[w]] += 1
    return out
