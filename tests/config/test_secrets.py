"""Tests of secret references: `env:NAME`, `file:PATH` and literals."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.secrets import SecretSourceError, resolve_secret


def test_env_reference_reads_the_given_environment(tmp_path: Path) -> None:
    secret = resolve_secret(
        "env:TOKEN", base_dir=tmp_path, allow_literal=False, environ={"TOKEN": " v "}
    )
    assert secret.get_secret_value() == "v"
    assert "v" not in repr(secret)


def test_env_reference_defaults_to_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("O2C_TEST_SECRET", "from-process")
    secret = resolve_secret(
        "env:O2C_TEST_SECRET", base_dir=tmp_path, allow_literal=False
    )
    assert secret.get_secret_value() == "from-process"


@pytest.mark.parametrize(
    ("reference", "environ", "message"),
    [
        ("env:", {}, "env: needs a variable name"),
        ("env:ABSENT", {}, "environment variable ABSENT is not set"),
        ("env:BLANK", {"BLANK": "  "}, "environment variable BLANK is empty"),
        ("literal", {}, "a literal secret is not allowed here"),
    ],
)
def test_unresolvable_reference_says_why(
    tmp_path: Path, reference: str, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SecretSourceError, match=message):
        resolve_secret(
            reference, base_dir=tmp_path, allow_literal=False, environ=environ
        )


def test_file_reference_is_relative_to_base_dir_and_stripped(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("abc\n", encoding="utf-8")
    secret = resolve_secret("file:key", base_dir=tmp_path, allow_literal=False)
    assert secret.get_secret_value() == "abc"


def test_empty_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("\n", encoding="utf-8")
    with pytest.raises(SecretSourceError, match="is empty"):
        resolve_secret("file:key", base_dir=tmp_path, allow_literal=False)


def test_literal_is_accepted_when_allowed(tmp_path: Path) -> None:
    secret = resolve_secret("plain", base_dir=tmp_path, allow_literal=True)
    assert secret.get_secret_value() == "plain"
