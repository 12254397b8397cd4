"""Error messages reach the terminal as written: brackets in them are not rich markup."""

from __future__ import annotations

import pytest

from mwaa_ops.cli.output import fail


def test_fail_prints_brackets_verbatim(capsys: pytest.CaptureFixture[str]) -> None:
    message = "add [alarms.environments.prdo] to the config; rows[0].widgets[1].type = 'x' [bold]"
    with pytest.raises(SystemExit) as stopped:
        fail(message)
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err.replace("\n", " ")
