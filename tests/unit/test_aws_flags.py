"""The original scheduler's AWS flags: names from SSM, keys or the standard credential chain, and
endpoints only with --dev. SSM is moto's."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from scheduler.main import parse_args


@pytest.fixture
def ssm(monkeypatch, tmp_path):
    with mock_aws():
        # moto sets dummy keys in the environment; take them away so only what a test gives counts
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
        client = boto3.client("ssm", region_name="ap-northeast-1", aws_access_key_id="a", aws_secret_access_key="b")
        client.put_parameter(Name="/cae/jobs-table", Value="cae-jobs", Type="String")
        client.put_parameter(Name="/cae/jobs-bucket", Value="cae-files", Type="SecureString")
        client.put_parameter(Name="/cae/backend-status", Value='[abaqus-2024]\nstatus = "available"\n',
                             Type="String")
        yield client
        monkeypatch.undo()  # before moto takes its own keys out again


NAMES = ["--region", "ap-northeast-1", "--job_table_name_key", "/cae/jobs-table",
         "--job_bucket_name_key", "/cae/jobs-bucket", "--backend_status_parameter_name", "/cae/backend-status"]


def test_table_and_bucket_names_come_from_ssm_with_the_keys_given(ssm):
    config = parse_args([*NAMES, "-k", "AKIAEXAMPLE", "-s", "secret"])
    assert (config.job_table, config.s3.bucket, config.backend_status_parameter) == (
        "cae-jobs", "cae-files", "/cae/backend-status")
    assert (config.aws.access_key_id, config.aws.secret_access_key, config.aws.region) == (
        "AKIAEXAMPLE", "secret", "ap-northeast-1")
    assert (config.s3.access_key_id, config.s3.region) == ("AKIAEXAMPLE", "ap-northeast-1")
    assert not config.create_job_table  # only --dev makes a missing table


def test_without_keys_the_standard_credential_chain_is_used(ssm, tmp_path, monkeypatch):
    with pytest.raises(SystemExit):  # no keys anywhere: SSM cannot be asked
        parse_args(NAMES)
    profile = tmp_path / "credentials"
    profile.write_text("[default]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = from-profile\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(profile))
    config = parse_args(NAMES)
    assert config.job_table == "cae-jobs" and config.aws.access_key_id is None  # boto3 found the profile


def test_a_missing_parameter_is_named(ssm, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse_args(["--region", "ap-northeast-1", "-k", "a", "-s", "b", "--job_table_name_key", "/cae/typo"])
    assert exit_.value.code == 2
    assert "SSM parameter '/cae/typo' does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("flags, message", [
    (["--endpoint", "http://127.0.0.1:4566"], "--endpoint needs --dev"),
    (["--s3_endpoint", "http://127.0.0.1:4566"], "--s3_endpoint needs --dev"),
    (["-k", "AKIAEXAMPLE"], "go together"),
    (["--dev", "--s3_endpoint", "http://a", "--s3-endpoint", "http://b"], "give one"),
])
def test_endpoints_need_dev_and_keys_go_in_pairs(flags, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse_args(flags)
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_with_dev_the_endpoints_are_taken(monkeypatch):
    monkeypatch.delenv("ABAQUEUE_S3_ENDPOINT", raising=False)
    config = parse_args(["--dev", "--endpoint", "http://127.0.0.1:4566", "--s3_endpoint", "http://127.0.0.1:4567"])
    assert (config.aws.endpoint_url, config.s3.endpoint_url) == ("http://127.0.0.1:4566", "http://127.0.0.1:4567")
    assert config.job_table is None  # no table key: the SQLite store


def test_keys_in_the_environment_go_through_boto3s_chain_with_their_session_token(ssm, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIATEMPORARY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "temporary-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "the-session-token")
    config = parse_args(NAMES)
    assert config.job_table == "cae-jobs" and config.aws.access_key_id is None and config.s3.access_key_id is None
    credentials = config.aws.client("ssm")._request_signer._credentials
    assert (credentials.access_key, credentials.token) == ("ASIATEMPORARY", "the-session-token")


def test_the_s3_endpoint_in_the_environment_gives_way_to_a_flag(monkeypatch):
    monkeypatch.setenv("ABAQUEUE_S3_ENDPOINT", "http://127.0.0.1:8333")
    assert parse_args([]).s3.endpoint_url == "http://127.0.0.1:8333"
    assert parse_args(["--dev", "--s3_endpoint", "http://127.0.0.1:4566"]).s3.endpoint_url == "http://127.0.0.1:4566"


def test_the_backend_status_is_read_from_its_ssm_parameter_and_read_again_when_it_changes(ssm):
    from scheduler.backend_status import BackendWatch

    config = parse_args([*NAMES, "-k", "AKIAEXAMPLE", "-s", "secret"])
    ssm.put_parameter(Name="/cae/backend-status", Overwrite=True, Type="String",
                      Value='[backends."2024"]\nstatus = "maintenance"\ndescription = "upgrade"\n')
    taken = []
    watch = BackendWatch(parameter_name=config.backend_status_parameter, aws=config.aws, apply=taken.append,
                         clock=lambda: 5.0)
    assert watch.source == "SSM parameter /cae/backend-status"
    assert watch.refresh() and taken[-1].holding_job("2024", ()).description == "upgrade"
    assert not watch.refresh()  # unchanged: nothing applied again
    ssm.put_parameter(Name="/cae/backend-status", Overwrite=True, Type="String", Value="[backends.x\n")
    assert not watch.refresh() and "not TOML" in watch.problem and len(taken) == 1  # kept in force
    ssm.put_parameter(Name="/cae/backend-status", Overwrite=True, Type="String",
                      Value='[backends."2024"]\nstatus = "available"\n')
    assert watch.refresh() and taken[-1].holding_job("2024", ()) is None and watch.problem == ""
    ssm.delete_parameter(Name="/cae/backend-status")
    assert not watch.refresh() and "does not exist" in watch.problem
