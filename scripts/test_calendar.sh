#!/usr/bin/env bash
# Runs the integration and sandbox tests, and one browser booking, as of each hard
# instant of the calendar (scripts/calendar_instants.py, computed from today so they
# never rot): weekdays and weekends, New Year's hour, both DST nights. Every process of
# a run (tests, sandboxes, widgets) reads its clock from BOOKING_NOW.
# Usage: scripts/test_calendar.sh [python]   (default: .venv/bin/python)
set -uo pipefail
py=${1:-.venv/bin/python}
tests=(tests/integration tests/sandbox "tests/browser/test_booking_browser.py::test_book_without_javascript")
# The switch matrix (tests/integration/test_fidelity.py) runs whole in the main run; at
# each instant its flows run against the sandbox's defaults.
select=(-k "not test_fidelity or defaults")
summary=()
failed=0
instants=$("$py" scripts/calendar_instants.py) || exit 1
while read -r name instant; do
  echo "=== calendar run: $name, BOOKING_NOW=$instant"
  began=$(date +%s)
  env -u BOOKING_NOW_SINCE BOOKING_NOW="$instant" \
    "$py" -m pytest -q -p no:cacheprovider "${select[@]}" "${tests[@]}"
  rc=$?
  if [ $rc -eq 5 ]; then echo "pytest collected no tests" >&2; fi
  [ $rc -eq 0 ] || failed=1
  summary+=("$(printf '%-22s %s  exit %d  %4d s' "$name" "$instant" "$rc" $(( $(date +%s) - began )))")
done <<< "$instants"
echo "=== calendar runs"
printf '%s\n' "${summary[@]}"
if [ $failed -ne 0 ]; then echo "a calendar run failed" >&2; exit 1; fi
echo "every calendar run is green"
