# Shared helpers for the test server scripts. Source it; do not run it.

# A free TCP port on 127.0.0.1 (the kernel picks it; a tiny race is acceptable for tests).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# True if something listens on 127.0.0.1:$1.
port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Waits up to $2 seconds (default 10) for 127.0.0.1:$1 to accept connections.
wait_for_port() {
  local port=$1 limit=${2:-10} waited=0
  until port_busy "$port"; do
    sleep 0.05
    waited=$((waited + 1))
    if [ "$waited" -ge $((limit * 20)) ]; then
      echo "port $port did not open within ${limit}s" >&2
      return 1
    fi
  done
}
