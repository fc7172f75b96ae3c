#!/usr/bin/env bash
# The lint step of action.yml (tested by tests/cli/test_pre_commit_and_action.py): the text report in the log,
# the SARIF log in $TRUSTSIM_SARIF, and the exit status of trustsim lint (0 clean, 1 findings at
# or above $TRUSTSIM_FAIL_ON, 2 unreadable input or usage error). Inputs arrive in the
# environment, never spliced into the script, so a path cannot inject shell.
set -uo pipefail

trustsim_command=(${TRUSTSIM_COMMAND:-trustsim})
read -r -a paths <<< "${TRUSTSIM_PATHS:-.}"
read -r -a extra <<< "${TRUSTSIM_ARGS:-}"
sarif="${TRUSTSIM_SARIF:-trustsim.sarif}"
fail_on="${TRUSTSIM_FAIL_ON:-security_warning}"

"${trustsim_command[@]}" lint --fail-on "$fail_on" "${extra[@]}" -- "${paths[@]}"
status=$?
"${trustsim_command[@]}" lint --fail-on "$fail_on" --format sarif "${extra[@]}" -- "${paths[@]}" > "$sarif"
sarif_status=$?
if [ "$sarif_status" -ne "$status" ]; then
  echo "trustsim: the SARIF run ended with $sarif_status, the text run with $status" >&2
  status=2
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
fi
exit "$status"
