#!/usr/bin/env bash
# Starts a scratch mosquitto broker on 127.0.0.1 with three listeners: anonymous, password
# (user probe / probepw) and TLS (certificate from the test CA in DIR/certs, anonymous).
#   tests/servers/start-mosquitto.sh DIR
#   -> MOSQUITTO_PID, MQTT_PORT, MQTT_AUTH_PORT, MQTT_TLS_PORT, MQTT_CA
# MQTT_PORT=N in the environment fixes the anonymous listener's port (default: a free one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dir=$(mkdir -p "${1:?usage: start-mosquitto.sh DIR}" && cd "$1" && pwd)
"$here/make-certs.sh" "$dir/certs"
port=${MQTT_PORT:-$(free_port)}
auth_port=$(free_port)
tls_port=$(free_port)
rm -f "$dir/passwd"
mosquitto_passwd -c -b "$dir/passwd" probe probepw
chmod 0644 "$dir/passwd" "$dir/certs/valid.key"
cat > "$dir/mosquitto.conf" <<CONF
per_listener_settings true
persistence false
log_dest stderr
log_type error
log_type warning
log_type notice
connection_messages true
listener $port 127.0.0.1
allow_anonymous true
listener $auth_port 127.0.0.1
allow_anonymous false
password_file $dir/passwd
listener $tls_port 127.0.0.1
allow_anonymous true
certfile $dir/certs/valid.crt
keyfile $dir/certs/valid.key
CONF
mosquitto -c "$dir/mosquitto.conf" > "$dir/mosquitto.log" 2>&1 &
pid=$!
wait_for_port "$port"
wait_for_port "$auth_port"
wait_for_port "$tls_port"
echo "MOSQUITTO_PID=$pid"
echo "MQTT_PORT=$port"
echo "MQTT_AUTH_PORT=$auth_port"
echo "MQTT_TLS_PORT=$tls_port"
echo "MQTT_CA=$dir/certs/ca.crt"
