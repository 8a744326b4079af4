# ruff: noqa
# Deliberately insecure code: the fixture of a Semgrep rule test, never imported or run.
"""Rule test: hardcoded-secret."""

import os


class Settings:
    def __init__(self):
        # ruleid: hardcoded-secret
        self.api_key = "sk-live-4f9a8b7c6d5e"  # pragma: allowlist secret


def connect(client):
    # ruleid: hardcoded-secret
    password = "hunter2hunter2"  # pragma: allowlist secret
    # ruleid: hardcoded-secret
    DB_PASSWORD = "S3cr3tP@ssw0rd!"  # pragma: allowlist secret
    # ruleid: hardcoded-secret
    github_token: str = "ghp_abcdefghijklmnop1234"  # pragma: allowlist secret
    # ruleid: hardcoded-secret
    client.login(user="admin", password="correcthorsebattery")  # pragma: allowlist secret
    # ruleid: hardcoded-secret
    config = {"client_secret": "0a1b2c3d4e5f6a7b"}  # pragma: allowlist secret

    # ok: hardcoded-secret
    password = os.environ["DB_PASSWORD"]  # pragma: allowlist secret
    # ok: hardcoded-secret
    api_key = ""  # pragma: allowlist secret
    # ok: hardcoded-secret
    secret = "short"  # pragma: allowlist secret
    # ok: hardcoded-secret
    token = "changeme"  # pragma: allowlist secret
    # ok: hardcoded-secret
    db_password = "<your-password>"  # pragma: allowlist secret
    # ok: hardcoded-secret
    admin_password = "your-password-here"  # pragma: allowlist secret
    # ok: hardcoded-secret
    api_key = "xxxxxxxxxxxx"  # pragma: allowlist secret
    # ok: hardcoded-secret
    token_url = "https://auth.example.com/oauth/token"  # pragma: allowlist secret
    # ok: hardcoded-secret
    password_env = "CCGPT_DB_PASSWORD"  # pragma: allowlist secret
    # ok: hardcoded-secret
    token = "${API_TOKEN}"  # pragma: allowlist secret
    # ok: hardcoded-secret
    password_hint = "Use at least twelve characters"  # pragma: allowlist secret
    # ok: hardcoded-secret
    tokenizer_file = "tokenizer.json"  # pragma: allowlist secret
    # ok: hardcoded-secret
    PASSWORD_RESET = "password-reset-required"  # pragma: allowlist secret
    # ok: hardcoded-secret
    client.enable_padding(pad_id=0, pad_token="[PAD]")  # pragma: allowlist secret
    # ok: hardcoded-secret
    client.connect(password=os.environ.get("PASSWORD", ""))  # pragma: allowlist secret
    return password, DB_PASSWORD, github_token, config, api_key, secret, token, PASSWORD_RESET
