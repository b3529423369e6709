#!/bin/sh
# A plugin that ignores SIGTERM; only SIGKILL ends it.
trap '' TERM
echo "stubborn"
while true; do sleep 1; done
