#!/usr/bin/env bash
# The morning briefing, unattended: brief the day's sources, then post the digest to Slack.
#
#   scripts/daily.sh [extra briefer daily options]
#
# Sources come from [daily] sources in ./briefer.toml; the model from OPENAI_API_KEY /
# OPENAI_BASE_URL; Slack from SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN and [slack] channel.
# A cron line (06:30 every day; keep secrets in an env file readable only by you):
#
#   30 6 * * * cd /srv/briefer && set -a && . ./.env && set +a && scripts/daily.sh >> logs/daily.log 2>&1
#
# Exit code: that of `briefer daily` (1 when some articles failed: the digest, which names
# them, is still posted) unless posting fails. Nothing is posted after 2 (bad usage or
# input), 3 (briefer itself failed: a bug to report), 130 (interrupted) or any other code
# of 2 and above (a signal), since the digest may be missing or stale. Re-running the same
# day is safe: finished stories are not briefed again and no Slack message is posted twice.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -f .venv/bin/activate ]; then . .venv/bin/activate; fi

day="$(date +%F)"
out="${BRIEFER_OUT:-briefings}"

briefer daily --date "$day" --out "$out" "$@"
status=$?
if [ "$status" -ge 2 ]; then  # only 0 and 1 leave a digest written by this run
  echo "daily.sh: briefer daily failed (exit $status); nothing posted" >&2
  exit "$status"
fi

python scripts/post_to_slack.py "$out/$day" || exit $?
exit "$status"
