"""Every public name has a runnable ``>>>`` example (issue 10), and every error says when.

The public names are the ``__all__`` lists of the areas below. The rule:

* a public **function** has a ``>>>`` example in its own docstring;
* a public **class** has one in its own docstring or in the docstring of one of its
  methods or properties (result records such as ``HMMFiltered`` included);
* **exceptions** (subclasses of ``BaseException``) are excluded from the ``>>>`` rule:
  the :mod:`catlearn.errors` module docstring has the example (an error caught as its
  built-in), and :func:`test_every_error_says_when_it_is_raised` checks each error class
  instead: its own docstring describes the condition it is raised under, and the library
  really raises it (the class is used outside ``errors.py``), except the base class.

Constants and modules in ``__all__`` are not functions or classes and are skipped.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import re

import pytest

import catlearn
import catlearn.errors as errors

AREAS = (
    "catlearn",
    "catlearn.core",
    "catlearn.diagrams",
    "catlearn.probability",
    "catlearn.boolean",
    "catlearn.training",
    "catlearn.errors",
)


def _has_example(doc: str | None) -> bool:
    return bool(doc) and re.search(r"^\s*>>> ", doc, re.MULTILINE) is not None


def _class_has_example(cls: type) -> bool:
    if _has_example(cls.__doc__):
        return True
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] != "catlearn":
            continue
        for member in vars(klass).values():
            if isinstance(member, property):
                member = member.fget
            if isinstance(member, staticmethod | classmethod):
                member = member.__func__
            # only methods count: a plain value (``n_shapes = 0``) would lend its type's doc
            if inspect.isfunction(member) and _has_example(member.__doc__):
                return True
    return False


def _public() -> list[tuple[str, str, object]]:
    names = []
    for area in AREAS:
        module = importlib.import_module(area)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                names.append((area, name, obj))
    return names


def test_the_walk_sees_the_areas() -> None:
    names = {(a, n) for a, n, _ in _public()}
    assert ("catlearn.probability", "HMMFiltered") in names
    assert ("catlearn.training", "fit_functor") in names
    assert ("catlearn.errors", "TypeMismatch") in names
    assert len(names) > 100


def test_every_public_function_and_class_has_an_example() -> None:
    missing = []
    for area, name, obj in _public():
        if inspect.isclass(obj):
            if issubclass(obj, BaseException):
                continue  # the documented exception rule (module docstring)
            ok = _class_has_example(obj)
        else:
            ok = _has_example(obj.__doc__)
        if not ok:
            missing.append(f"{area}.{name}")
    assert not missing, f"public names without a >>> example: {sorted(set(missing))}"


def test_the_errors_module_shows_an_error_caught_as_its_builtin() -> None:
    doc = errors.__doc__ or ""
    assert _has_example(doc)
    assert "except ValueError" in doc


def _error_classes() -> list[type]:
    return [
        obj
        for obj in vars(errors).values()
        if inspect.isclass(obj)
        and issubclass(obj, errors.CatlearnError)
        and obj.__module__ == errors.__name__
    ]


CONDITION = re.compile(
    r"\b(when|if|is|are|was|were|does|do|would|has|uses|lies|outside|not|no|raised|failed|became)\b"
)


@pytest.mark.parametrize("cls", _error_classes(), ids=lambda c: c.__name__)
def test_every_error_says_when_it_is_raised(cls: type) -> None:
    doc = vars(cls).get("__doc__")  # its own docstring, not the inherited one
    assert doc and len(doc.split()) >= 6, f"{cls.__name__} needs a docstring saying when"
    assert CONDITION.search(doc.lower()), f"{cls.__name__}'s docstring names no condition"
    if cls is errors.CatlearnError:
        assert "base class" in doc.lower()
        return
    for base in cls.__mro__[1:]:
        if base.__module__ == "builtins" and base not in (Exception, BaseException, object):
            break
    else:
        pytest.fail(f"{cls.__name__} derives from no built-in exception besides Exception")
    root = pathlib.Path(catlearn.__file__).parent
    used = re.compile(rf"\b{cls.__name__}\b")
    assert any(
        used.search(path.read_text(encoding="utf-8"))
        for path in root.rglob("*.py")
        if path.name != "errors.py"
    ), f"{cls.__name__} is never raised by the library"
