#!/bin/sh
# An example vendor script in the Nagios plugin style: asks a one-card system's health API
# (https://HOST/api/health, user campus-probe, password from $ONECARD_PASSWORD) for the minutes
# since its last POS transaction.
#   check_onecard.sh HOST
host=${1:?usage: check_onecard.sh HOST}
body=$(curl -sf --max-time 8 -u "campus-probe:${ONECARD_PASSWORD:?}" "https://$host/api/health") || {
  echo "ONECARD UNKNOWN - health API of $host did not answer"
  exit 3
}
minutes=$(printf '%s' "$body" | sed -n 's/.*"minutes_since_last_transaction":\([0-9]*\).*/\1/p')
[ -n "$minutes" ] || { echo "ONECARD UNKNOWN - unexpected answer"; exit 3; }
status=0; word=OK
[ "$minutes" -ge 30 ] && { status=1; word=WARNING; }
[ "$minutes" -ge 120 ] && { status=2; word=CRITICAL; }
echo "ONECARD $word - last transaction ${minutes} min ago | last_transaction=$((minutes * 60))s;1800;7200;0;"
exit $status
