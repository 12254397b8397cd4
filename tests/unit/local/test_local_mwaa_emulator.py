"""The MWAA emulator's pure logic: validation, status lifecycle, faults, pagination."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mwaa_ops.clock import FakeClock
from mwaa_ops.errors import FatalAwsError
from mwaa_ops.local import InjectedFailure, MwaaEmulator
from mwaa_ops.local.mwaa_versions import latest, mwaa_calendar, offered_versions

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
VALID = {
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/mwaa",
    "SourceBucketArn": "arn:aws:s3:::my-bucket",
    "DagS3Path": "dags",
    "NetworkConfiguration": {"SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": ["sg-1"]},
}


@pytest.fixture()
def clock() -> FakeClock:
    return FakeClock(AT)


@pytest.fixture()
def emu(clock: FakeClock) -> MwaaEmulator:
    return MwaaEmulator(
        clock, create_seconds=10, update_seconds=20, delete_seconds=5, rollback_seconds=4
    )


def status(emu: MwaaEmulator, name: str) -> str:
    return emu.get_environment(name)["Environment"]["Status"]


def test_create_goes_available_after_the_delay(emu: MwaaEmulator, clock: FakeClock) -> None:
    arn = emu.create_environment("env1", {**VALID, "AirflowVersion": "2.10.3"})["Arn"]
    assert arn == "arn:aws:airflow:us-east-1:123456789012:environment/env1"
    assert status(emu, "env1") == "CREATING"
    clock.advance(9.9)
    assert status(emu, "env1") == "CREATING"
    clock.advance(0.1)
    env = emu.get_environment("env1")["Environment"]
    assert env["Status"] == "AVAILABLE"
    assert env["AirflowVersion"] == "2.10.3"
    assert env["CreatedAt"] == AT


def test_zero_delay_is_available_at_once(clock: FakeClock) -> None:
    emu = MwaaEmulator(clock, create_seconds=0)
    emu.create_environment("quick", VALID)
    assert status(emu, "quick") == "AVAILABLE"


def test_default_version_is_the_latest_offered(emu: MwaaEmulator) -> None:
    emu.create_environment("env1", VALID)
    assert emu.get_environment("env1")["Environment"]["AirflowVersion"] == "3.3.1"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        pytest.param({"AirflowVersion": "9.9.9"}, "Invalid Airflow version", id="unknown-version"),
        pytest.param(
            {"AirflowVersion": "2.6.3"}, "Invalid Airflow version", id="end-of-support-passed"
        ),
        pytest.param(
            {"WeeklyMaintenanceWindowStart": "SUN:03:15"}, "pattern", id="window-not-30-min"
        ),
        pytest.param(
            {"WeeklyMaintenanceWindowStart": "SUNDAY:03:00"}, "length", id="window-too-long"
        ),
        pytest.param(
            {"WeeklyMaintenanceWindowStart": "sun:03:00"}, "pattern", id="window-lower-case"
        ),
        pytest.param({"WeeklyMaintenanceWindowStart": "MON:24:00"}, "pattern", id="window-hour-24"),
        pytest.param({"ExecutionRoleArn": "not-an-arn"}, "pattern", id="bad-role"),
        pytest.param({"SourceBucketArn": "arn:aws:s3:::Upper"}, "pattern", id="bad-bucket"),
        pytest.param(
            {"NetworkConfiguration": {"SubnetIds": ["subnet-a"], "SecurityGroupIds": ["sg-1"]}},
            "exactly 2",
            id="one-subnet",
        ),
        pytest.param({"EnvironmentClass": "mw2.huge"}, "enum", id="bad-class"),
        pytest.param({"Schedulers": 6}, "less than or equal to 5", id="too-many-schedulers"),
        pytest.param({"MinWorkers": 5, "MaxWorkers": 2}, "MinWorkers", id="min-over-max"),
        pytest.param(
            {"AirflowConfigurationOptions": {"Core.X": "1"}}, "pattern", id="bad-config-key"
        ),
        pytest.param(
            {"LoggingConfiguration": {"TaskLogs": {"Enabled": True, "LogLevel": "LOUD"}}},
            "enum",
            id="bad-log-level",
        ),
        pytest.param({"ExecutionRoleArn": None}, "Missing required", id="missing-role"),
    ],
)
def test_create_validation(emu: MwaaEmulator, change: dict, fragment: str) -> None:
    body = {**VALID, **change}
    with pytest.raises(FatalAwsError) as err:
        emu.create_environment("env1", body)
    assert err.value.code == "ValidationException"
    assert err.value.status == 400
    assert fragment in str(err.value)
    assert emu.list_environments()["Environments"] == []


@pytest.mark.parametrize(
    "name", ["1abc", "has space", "a" * 81, ""], ids=["digit-first", "space", "81-chars", "empty"]
)
def test_bad_names(emu: MwaaEmulator, name: str) -> None:
    with pytest.raises(FatalAwsError) as err:
        emu.create_environment(name, VALID)
    assert err.value.code == "ValidationException"


def test_duplicate_name_is_rejected(emu: MwaaEmulator) -> None:
    emu.create_environment("env1", VALID)
    with pytest.raises(FatalAwsError, match="already exists"):
        emu.create_environment("env1", VALID)


def test_unknown_environment_is_not_found(emu: MwaaEmulator) -> None:
    with pytest.raises(FatalAwsError) as err:
        emu.get_environment("missing")
    assert (err.value.code, err.value.status) == ("ResourceNotFoundException", 404)


def test_update_applies_changes_when_done(emu: MwaaEmulator, clock: FakeClock) -> None:
    emu.seed_environment("env1", "2.10.3")
    emu.update_environment(
        "env1", {"AirflowVersion": "2.11.2", "WeeklyMaintenanceWindowStart": "TUE:03:30"}
    )
    env = emu.get_environment("env1")["Environment"]
    assert env["Status"] == "CREATING_SNAPSHOT"  # a version change snapshots first (1 s)
    assert env["AirflowVersion"] == "2.10.3"  # not yet
    assert env["LastUpdate"]["Status"] == "PENDING"
    assert env["LastUpdate"]["CreatedAt"] == AT
    clock.advance(1)
    assert status(emu, "env1") == "UPDATING"
    clock.advance(20)
    env = emu.get_environment("env1")["Environment"]
    assert (env["Status"], env["AirflowVersion"]) == ("AVAILABLE", "2.11.2")
    assert env["WeeklyMaintenanceWindowStart"] == "TUE:03:30"
    assert env["LastUpdate"]["Status"] == "SUCCESS"
    assert "Error" not in env["LastUpdate"]


def test_update_while_updating_is_rejected(emu: MwaaEmulator) -> None:
    emu.seed_environment("env1")
    emu.update_environment("env1", {"MaxWorkers": 5})
    with pytest.raises(FatalAwsError, match="UPDATING"):
        emu.update_environment("env1", {"MaxWorkers": 6})


def test_injected_update_failure_rolls_back(emu: MwaaEmulator, clock: FakeClock) -> None:
    emu.seed_environment("env1", "2.10.3")
    emu.fail_next_update("env1", error_code="UPGRADE_FAILED", message="plugins broke")
    emu.update_environment("env1", {"AirflowVersion": "2.11.2"})
    clock.advance(21)  # 1 s snapshot + 20 s update
    assert status(emu, "env1") == "ROLLING_BACK"
    clock.advance(4)
    env = emu.get_environment("env1")["Environment"]
    assert env["Status"] == "UPDATE_FAILED"
    assert env["AirflowVersion"] == "2.10.3"
    assert env["LastUpdate"]["Status"] == "FAILED"
    assert env["LastUpdate"]["Error"] == {
        "ErrorCode": "UPGRADE_FAILED",
        "ErrorMessage": "plugins broke",
    }
    # The fault was used up, and an UPDATE_FAILED environment can be updated again.
    emu.update_environment("env1", {"AirflowVersion": "2.11.2"})
    clock.advance(21)
    assert emu.get_environment("env1")["Environment"]["AirflowVersion"] == "2.11.2"


def test_fault_for_another_environment_waits(emu: MwaaEmulator, clock: FakeClock) -> None:
    emu.seed_environment("a")
    emu.seed_environment("b")
    emu.fail_next_update("b", final_status="UNAVAILABLE")
    emu.update_environment("a", {"MaxWorkers": 3})
    emu.update_environment("b", {"MaxWorkers": 3})
    clock.advance(20)
    assert (status(emu, "a"), status(emu, "b")) == ("AVAILABLE", "UNAVAILABLE")


def test_update_hook_decides_per_request(emu: MwaaEmulator, clock: FakeClock) -> None:
    emu.seed_environment("env1", "2.11.2")
    emu.update_hook = lambda env, changes: (
        InjectedFailure(message="no 3.x yet")
        if changes.get("AirflowVersion", "").startswith("3.")
        else None
    )
    emu.update_environment("env1", {"AirflowVersion": "3.3.1"})
    clock.advance(30)
    env = emu.get_environment("env1")["Environment"]
    assert (env["Status"], env["AirflowVersion"]) == ("UPDATE_FAILED", "2.11.2")


def test_failed_create(emu: MwaaEmulator, clock: FakeClock) -> None:
    emu.fail_next_create()
    emu.create_environment("env1", VALID)
    clock.advance(10)
    env = emu.get_environment("env1")["Environment"]
    assert env["Status"] == "CREATE_FAILED"
    assert env["LastUpdate"]["Error"]["ErrorMessage"] == "Injected creation failure"


def test_delete_then_gone(emu: MwaaEmulator, clock: FakeClock) -> None:
    emu.seed_environment("env1")
    emu.delete_environment("env1")
    assert status(emu, "env1") == "DELETING"
    with pytest.raises(FatalAwsError, match="DELETING"):
        emu.update_environment("env1", {"MaxWorkers": 2})
    clock.advance(5)
    with pytest.raises(FatalAwsError) as err:
        emu.get_environment("env1")
    assert err.value.code == "ResourceNotFoundException"
    assert emu.list_environments()["Environments"] == []


def test_list_paginates_in_creation_order(emu: MwaaEmulator) -> None:
    names = [f"env{i:02d}" for i in range(7)]
    for name in names:
        emu.seed_environment(name)
    seen, token = [], None
    while True:
        page = emu.list_environments(max_results=3, next_token=token)
        assert len(page["Environments"]) <= 3
        seen += page["Environments"]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names


@pytest.mark.parametrize(
    "kwargs",
    [{"max_results": 0}, {"max_results": 26}, {"next_token": "garbage!"}],
    ids=["zero", "over-25", "bad-token"],
)
def test_list_rejects_bad_paging(emu: MwaaEmulator, kwargs: dict) -> None:
    with pytest.raises(FatalAwsError) as err:
        emu.list_environments(**kwargs)
    assert err.value.code == "ValidationException"


def test_tags(emu: MwaaEmulator) -> None:
    arn = emu.seed_environment("env1", Tags={"team": "data"})["Arn"]
    emu.tag_resource(arn, {"cost": "42"})
    emu.untag_resource(arn, ["team", "absent"])
    assert emu.list_tags_for_resource(arn) == {"Tags": {"cost": "42"}}
    assert emu.get_environment("env1")["Environment"]["Tags"] == {"cost": "42"}
    with pytest.raises(FatalAwsError) as err:
        emu.list_tags_for_resource(emu.arn("other"))
    assert err.value.code == "ResourceNotFoundException"


def test_seed_is_validated_and_ready(emu: MwaaEmulator) -> None:
    env = emu.seed_environment("local", "2.11.2", WeeklyMaintenanceWindowStart="SAT:22:30")
    assert (env["Status"], env["AirflowVersion"], env["WeeklyMaintenanceWindowStart"]) == (
        "AVAILABLE",
        "2.11.2",
        "SAT:22:30",
    )
    with pytest.raises(FatalAwsError, match="Invalid Airflow version"):
        emu.seed_environment("other", "1.10.12")


def test_logging_configuration_gets_log_groups(emu: MwaaEmulator) -> None:
    env = emu.seed_environment(
        "env1", LoggingConfiguration={"TaskLogs": {"Enabled": True, "LogLevel": "WARNING"}}
    )
    task = env["LoggingConfiguration"]["TaskLogs"]
    assert (
        task["CloudWatchLogGroupArn"]
        == "arn:aws:logs:us-east-1:123456789012:log-group:airflow-env1-Task"
    )
    assert "CloudWatchLogGroupArn" not in env["LoggingConfiguration"]["SchedulerLogs"]


def test_regions_are_separate(emu: MwaaEmulator) -> None:
    emu.seed_environment("env1", region="eu-west-1")
    assert emu.list_environments()["Environments"] == []
    assert emu.list_environments(region="eu-west-1")["Environments"] == ["env1"]


def _emulator_on(day: date) -> MwaaEmulator:
    return MwaaEmulator(FakeClock(datetime(day.year, day.month, day.day, tzinfo=UTC)))


def test_offered_versions_follow_the_clock(clock: FakeClock) -> None:
    # The shipped snapshot: 1.10.12 is MWAA's first version (2020-11-24 .. 2024-02-21),
    # 2.0.2 ends support on 2024-04-29, 2.4.3 / 2.5.1 / 2.6.3 on 2025-12-30.
    assert offered_versions(date(2020, 11, 23)) == ()
    assert offered_versions(date(2020, 11, 24)) == ("1.10.12",)
    assert "2.0.2" in offered_versions(date(2024, 4, 29))  # still offered on its end of support
    assert "2.0.2" not in offered_versions(date(2024, 4, 30))  # refused from the day after
    assert "2.11.0" not in offered_versions(date(2026, 1, 6))
    assert "2.11.0" in offered_versions(date(2026, 1, 7))  # offered from its availability
    emu = MwaaEmulator(clock, versions=("2.9.2",))
    assert emu.offered_versions() == ("2.9.2",)
    assert "2.6.3" in _emulator_on(date(2025, 12, 30)).offered_versions()
    assert "2.6.3" not in _emulator_on(date(2025, 12, 31)).offered_versions()


@pytest.mark.parametrize(
    "day",
    [
        date(2020, 11, 23),  # before MWAA's first version
        date(2020, 11, 24),
        date(2024, 4, 29),  # 2.0.2's end of support
        date(2024, 4, 30),
        date(2025, 12, 30),  # 2.4.3, 2.5.1 and 2.6.3's end of support
        date(2025, 12, 31),
        date(2026, 1, 7),  # 2.11.0 available
        date(2026, 11, 25),
    ],
)
def test_offered_versions_are_the_calendars_supported_versions(day: date) -> None:
    calendar = mwaa_calendar()
    assert offered_versions(day) == tuple(str(item.version) for item in calendar.supported(day))
    newest = calendar.newest(day)
    if newest is None:
        assert offered_versions(day) == ()
    else:
        assert _emulator_on(day).seed_environment("env1")["AirflowVersion"] == str(newest.version)


def test_end_of_support_date_is_the_last_day_a_version_is_accepted() -> None:
    on_the_date = _emulator_on(date(2025, 12, 30))
    on_the_date.create_environment("legacy", {**VALID, "AirflowVersion": "2.4.3"})
    assert on_the_date.get_environment("legacy")["Environment"]["AirflowVersion"] == "2.4.3"
    with pytest.raises(FatalAwsError) as info:
        _emulator_on(date(2025, 12, 31)).create_environment(
            "legacy", {**VALID, "AirflowVersion": "2.4.3"}
        )
    assert (info.value.code, info.value.status) == ("ValidationException", 400)
    assert "Invalid Airflow version" in str(info.value)


def test_no_offered_version_is_a_validation_error() -> None:
    with pytest.raises(FatalAwsError) as info:
        latest(())
    assert (info.value.code, info.value.status) == ("ValidationException", 400)
    emu = _emulator_on(date(2020, 1, 1))  # before MWAA's first version
    with pytest.raises(FatalAwsError) as info:
        emu.create_environment("early", VALID)
    assert (info.value.code, info.value.status) == ("ValidationException", 400)
    assert "No Airflow version is offered" in str(info.value)
    assert latest(("2.9.2", "2.10.3", "2.2.2")) == "2.10.3"


def test_reset_forgets_everything(emu: MwaaEmulator) -> None:
    emu.seed_environment("env1")
    emu.fail_next_update()
    emu.reset()
    assert emu.list_environments()["Environments"] == []
    emu.seed_environment("env1")
    emu.update_environment("env1", {"MaxWorkers": 4})
    emu.clock.sleep(20)
    assert status(emu, "env1") == "AVAILABLE"


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [("2.10.3", "3.3.1", "must start from the newest 2.11.x"),
     ("2.11.0", "3.3.1", r"newest 2\.11\.x MWAA offers \(2\.11\.2\), not 2\.11\.0"),
     ("3.3.1", "2.10.3", "goes only to 2.11.x")],
    ids=["skip-stepping-stone", "old-stone-patch", "downgrade-too-far"],
)
def test_version_moves_mwaa_refuses_in_place(emu: MwaaEmulator, current: str, target: str, message: str) -> None:
    emu.seed_environment("env1", current)
    with pytest.raises(FatalAwsError, match=message):
        emu.update_environment("env1", {"AirflowVersion": target})
    assert status(emu, "env1") == "AVAILABLE"
    assert emu.update_calls == {"env1": 1}


def test_hang_and_per_environment_faults(emu: MwaaEmulator, clock: FakeClock) -> None:
    emu.seed_environment("a", "2.10.3")
    emu.seed_environment("b", "2.10.3")
    emu.inject_update_fault("b", "hang")
    emu.update_environment("a", {"AirflowVersion": "2.11.2"})
    emu.update_environment("b", {"AirflowVersion": "2.11.2"})
    clock.advance(3600)
    assert status(emu, "a") == "AVAILABLE"
    assert status(emu, "b") == "UPDATING"
    with pytest.raises(FatalAwsError, match="kind"):
        emu.inject_update_fault("a", "explode")
