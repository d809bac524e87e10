"""`abaqueue-scheduler` flags and environment into its config: the token database settings."""

from __future__ import annotations

import pytest

from scheduler.config import RemoteTokenDatabase
from scheduler.main import parse_args


def test_tokens_come_from_the_store_unless_a_token_database_is_named():
    assert parse_args([]).token_database is None


def test_a_token_database_needs_the_token_this_scheduler_presents(tmp_path, capsys):
    with pytest.raises(SystemExit):
        parse_args(["--address_to_token_database", "127.0.0.1:50050"])
    assert "--token-database-token-file" in capsys.readouterr().err
    credential = tmp_path / "scheduler.token"
    credential.write_text("abq_x\n")
    config = parse_args(["--address_to_token_database", "127.0.0.1:50050",
                         "--token-database-token-file", str(credential), "--token-cache-seconds", "2"])
    assert config.token_database == RemoteTokenDatabase("127.0.0.1:50050", credential, None, 2.0)


def test_the_dashed_spelling_and_a_missing_ca_file(tmp_path, capsys):
    credential = tmp_path / "scheduler.token"
    credential.write_text("abq_x\n")
    with pytest.raises(SystemExit):
        parse_args(["--address-to-token-database", "t:1", "--token-database-token-file", str(credential),
                    "--token-database-ca-file", str(tmp_path / "missing.pem")])
    assert "missing.pem is not a file" in capsys.readouterr().err


def test_a_token_database_on_another_host_needs_tls(tmp_path, capsys):
    credential = tmp_path / "scheduler.token"
    credential.write_text("abq_x\n")
    base = ["--address_to_token_database", "tokens.example:50050", "--token-database-token-file", str(credential)]
    with pytest.raises(SystemExit):
        parse_args(base)
    assert "needs --token-database-ca-file" in capsys.readouterr().err
    assert parse_args([*base, "--insecure-token-database"]).token_database.address == "tokens.example:50050"
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    assert parse_args([*base, "--token-database-ca-file", str(ca)]).token_database.ca_file == ca
