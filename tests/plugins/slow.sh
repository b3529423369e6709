#!/bin/sh
# A plugin that prints a little, then hangs.
echo "starting"
sleep 60
