# ruff: noqa
# Deliberately insecure code: the fixture of a Semgrep rule test, never imported or run.
"""Rule test: sensitive-data-in-log-fstring."""

import logging

import structlog

logger = logging.getLogger(__name__)
log = structlog.get_logger()


class Client:
    def __init__(self):
        self.logger = logging.getLogger("client")

    def connect(self, user, password, api_key, headers):
        # ruleid: sensitive-data-in-log-fstring
        logger.info(f"login {user} with {password}")
        # ruleid: sensitive-data-in-log-fstring
        logging.debug(f"key={api_key}")
        # ruleid: sensitive-data-in-log-fstring
        self.logger.warning(f"auth header {headers['Authorization']}")
        # ruleid: sensitive-data-in-log-fstring
        log.info(f"token is {user.access_token}")
        # ruleid: sensitive-data-in-log-fstring
        log.bind(user=user).error(f"bad secret {user.secret}")

        # ok: sensitive-data-in-log-fstring
        logger.info(f"login {user}")
        # ok: sensitive-data-in-log-fstring
        logger.info("login %s", user)
        # ok: sensitive-data-in-log-fstring
        log.info("login", user=user)
        # ok: sensitive-data-in-log-fstring
        print(f"password length {len('x')}")
