"""The public surface of xueji_rules.calendar: listed, sorted, documented."""

from __future__ import annotations

import inspect

import xueji_rules.calendar as calendar


def test_all_lists_each_public_name_once() -> None:
    assert len(set(calendar.__all__)) == len(calendar.__all__)
    public = {n for n in dir(calendar) if n.isidentifier() and not n.startswith("_")}
    assert set(calendar.__all__) == public - {"annotations"}
    for name in calendar.__all__:
        assert hasattr(calendar, name), name


def test_every_public_name_has_a_docstring() -> None:
    for name in calendar.__all__:
        value = getattr(calendar, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name
        if inspect.isclass(value):
            for attr, member in vars(value).items():
                if not attr.startswith("_") and inspect.isfunction(member):
                    assert inspect.getdoc(member), f"{name}.{attr}"


def test_the_doctest_in_the_package_docstring() -> None:
    import doctest

    failures, _ = doctest.testmod(calendar, verbose=False)
    assert failures == 0
