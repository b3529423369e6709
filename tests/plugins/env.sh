#!/bin/sh
# Prints what it was given: the secret must arrive in the environment, not on the command line.
if [ "$CAMPUS_TEST_PASSWORD" = "s3cret-plugin-pw" ]; then
  echo "OK - got the password from the environment; args: $*; HOME=${HOME:-unset} cwd=$(pwd) password=$CAMPUS_TEST_PASSWORD"
  exit 0
fi
echo "CRITICAL - no password in the environment"
exit 2
