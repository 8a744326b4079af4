# ruff: noqa
# Deliberately insecure code: the fixture of a Semgrep rule test, never imported or run.
"""Rule test: os-system-shell."""

import os
import subprocess


def run(user_input):
    # ruleid: os-system-shell
    os.system("rm -rf " + user_input)
    # ruleid: os-system-shell
    os.popen(f"cat {user_input}")
    # ruleid: os-system-shell
    subprocess.getoutput(user_input)

    # ok: os-system-shell
    subprocess.run(["rm", "-rf", user_input], check=True)
    # ok: os-system-shell
    os.path.join("a", user_input)
