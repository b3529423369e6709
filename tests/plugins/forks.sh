#!/bin/sh
# A plugin that leaves a child behind (holding its stdout) and exits at once.
sleep 61 &
echo "OK - forked and left"
exit 0
