"""A missing requirement skips a test on a developer's machine and fails it in CI, naming what is missing."""

from __future__ import annotations

import pytest

from tests.requirements import CI_VARIABLE, require, require_module


@pytest.mark.parametrize("value, outcome", [(None, pytest.skip.Exception), ("", pytest.skip.Exception),
                                            ("0", pytest.skip.Exception), ("1", pytest.fail.Exception),
                                            ("true", pytest.fail.Exception)])
def test_require_skips_outside_ci_and_fails_in_ci(monkeypatch, value, outcome):
    if value is None:
        monkeypatch.delenv(CI_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(CI_VARIABLE, value)
    with pytest.raises(outcome, match="PostgreSQL is not available: apt-get install postgresql"):
        require("PostgreSQL", "apt-get install postgresql")


def test_require_module_returns_the_module_or_names_the_missing_one(monkeypatch):
    monkeypatch.setenv(CI_VARIABLE, "1")
    assert require_module("json", "json", "-").dumps([]) == "[]"
    with pytest.raises(pytest.fail.Exception, match="no such thing is not available: pip install it"):
        require_module("no_such_module_here", "no such thing", "pip install it")
