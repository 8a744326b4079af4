#!/usr/bin/env bash
# GitHub Actions configuration checks (`nox -s workflows`; CI job `validate` in ci.yml).
#   actionlint: syntax, expressions, runner labels, action inputs; it also runs shellcheck on
#               every `run:` script when shellcheck is installed (it is on GitHub's runners).
#   zizmor:     security audits (pinning, permissions, injection, credentials, triggers) of the
#               workflows and of Dependabot's configuration; --offline needs no GitHub token.
# zizmor exits 10 + the highest severity found, so any finding fails this script.
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== actionlint"
actionlint
echo "actionlint: no findings"

echo "== zizmor --offline .github/workflows"
zizmor --offline .github/workflows

echo "== zizmor --offline .github/dependabot.yml"
zizmor --offline .github/dependabot.yml
