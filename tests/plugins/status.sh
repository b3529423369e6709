#!/bin/sh
# A plugin that exits with the status given as $1 and prints a Nagios-style line with perfdata.
case "$1" in
  0) echo "CAMPUS OK - portal answered in 0.120s | time=0.120s;1;2;0; size=2048B 'login page'=35ms" ;;
  1) echo "CAMPUS WARNING - portal slow | time=1.5s;1;2;0;" ;;
  2) echo "CAMPUS CRITICAL - portal down | time=0s;1;2;0; bad=abc" ;;
  *) echo "CAMPUS UNKNOWN - cannot tell" ;;
esac
echo "long text line 1"
echo "long text line 2 | extra=5c;;;0;"
exit "$1"
