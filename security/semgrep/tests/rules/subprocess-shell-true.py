# ruff: noqa
# Deliberately insecure code: the fixture of a Semgrep rule test, never imported or run.
"""Rule test: subprocess-shell-true."""

import asyncio
import subprocess


async def run(user_input):
    # ruleid: subprocess-shell-true
    subprocess.run(f"ls {user_input}", shell=True, check=True)
    # ruleid: subprocess-shell-true
    subprocess.check_output("grep x " + user_input, shell=True)
    # ruleid: subprocess-shell-true
    subprocess.Popen(user_input, shell=True)
    # ruleid: subprocess-shell-true
    await asyncio.create_subprocess_shell(user_input)

    # ok: subprocess-shell-true
    subprocess.run(["ls", user_input], check=True)
    # ok: subprocess-shell-true
    subprocess.run(["ls", user_input], shell=False, check=True)
    # ok: subprocess-shell-true
    await asyncio.create_subprocess_exec("ls", user_input)
