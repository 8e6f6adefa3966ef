"""Every error catlearn raises is a CatlearnError (and the matching built-in), with a fix."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import catlearn
from catlearn import errors
from catlearn.core.types import Bool, Euclid, Fin, Ty

ROOT = Path(catlearn.__file__).parent
BUILTINS = (
    "Exception|ValueError|TypeError|KeyError|IndexError|RuntimeError|AttributeError|"
    "NotImplementedError|FloatingPointError|ArithmeticError|LookupError|AssertionError|"
    "OSError|IOError|ZeroDivisionError|OverflowError"
)
BARE = re.compile(rf"\braise\s+({BUILTINS})\b")


def test_no_bare_builtin_raises_in_catlearn():
    hits = []
    for path in sorted(ROOT.rglob("*.py")):
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if BARE.search(line.split("#", 1)[0]):
                hits.append(f"{path.relative_to(ROOT.parent)}:{i}: {line.strip()}")
    assert hits == [], "raise catlearn.errors subclasses instead:\n" + "\n".join(hits)


def test_the_grep_sees_bare_raises():
    assert BARE.search('        raise ValueError(f"x")')
    assert BARE.search("raise KeyError")
    assert not BARE.search("raise ShapeError('x')")
    assert not BARE.search("raise errors.ArgumentTypeError('x')")


def test_every_error_subclasses_catlearn_error_and_a_builtin():
    classes = [
        c
        for _, c in inspect.getmembers(errors, inspect.isclass)
        if issubclass(c, Exception) and c.__module__ == errors.__name__
    ]
    assert len(classes) >= 20
    for c in classes:
        assert issubclass(c, errors.CatlearnError), c
        if c is not errors.CatlearnError:
            builtin = [b for b in c.__mro__ if b.__module__ == "builtins" and b is not object]
            assert any(b not in (Exception, BaseException) for b in builtin), c


@pytest.mark.parametrize(
    ("make", "builtin", "words"),
    [
        (lambda: Euclid(2.5), ValueError, ["Euclid(2.5,)", "integer sizes"]),
        (lambda: Fin(0), ValueError, ["Fin(0)", "e.g. Fin(2)"]),
        (lambda: Bool(-1), ValueError, ["Bool(-1)", "Bool(4)"]),
        (lambda: Ty(Euclid(2), 3), TypeError, ["Euclid(n)"]),
    ],
)
def test_type_constructors_raise_typed_errors_naming_the_fix(make, builtin, words):
    with pytest.raises(errors.CatlearnError) as info:
        make()
    assert isinstance(info.value, builtin)
    for w in words:
        assert w in str(info.value)


def test_immutable_objects_raise_a_typed_attribute_error():
    t = Euclid(2)
    with pytest.raises(errors.ImmutableError, match="immutable") as info:
        t.x = 1
    assert isinstance(info.value, AttributeError)
