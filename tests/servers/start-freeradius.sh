#!/usr/bin/env bash
# Starts a scratch FreeRADIUS on 127.0.0.1 from a self-contained config in DIR (nothing copied
# from /etc/freeradius): client 127.0.0.1 with secret testing123, users student1/radpass1 (accept,
# with a Reply-Message and a Class) and locked1 (always rejected). Replies carry a
# Message-Authenticator unless REPLY_MA=no (Debian's 3.2.1 adds none by itself).
#   tests/servers/start-freeradius.sh DIR   -> RADIUSD_PID, RADIUS_PORT
# RADIUS_PORT=N in the environment fixes the authentication port (default: a free one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dir=$(mkdir -p "${1:?usage: start-freeradius.sh DIR}" && cd "$1" && pwd)
port=${RADIUS_PORT:-$(free_port)}
acct_port=$(free_port)
reply_ma=""
if [ "${REPLY_MA:-yes}" = yes ]; then
  reply_ma='update reply {
      Message-Authenticator := 0x00
    }'
fi
: > "$dir/dictionary"
cat > "$dir/users" <<'USERS'
student1  Cleartext-Password := "radpass1"
          Reply-Message := "Hello student1",
          Class := "campus-student"
locked1   Auth-Type := Reject
          Reply-Message := "Account locked"
USERS
cat > "$dir/radiusd.conf" <<CONF
prefix = /usr
localstatedir = $dir
logdir = $dir
run_dir = $dir
raddbdir = $dir
confdir = $dir
db_dir = $dir
libdir = /usr/lib/freeradius
pidfile = $dir/radiusd.pid
name = radiusd
log {
  destination = stderr
  colourise = no
  auth = yes
}
security {
  allow_core_dumps = no
  max_attributes = 200
  reject_delay = 0
  status_server = yes
}
client localhost {
  ipaddr = 127.0.0.1
  proto = udp
  secret = testing123
  require_message_authenticator = yes
  nas_type = other
}
thread pool {
  start_servers = 2
  max_servers = 4
  min_spare_servers = 1
  max_spare_servers = 3
}
modules {
  pap {
  }
  files {
    filename = $dir/users
  }
  always ok {
    rcode = ok
  }
}
server default {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = $port
  }
  listen {
    type = acct
    ipaddr = 127.0.0.1
    port = $acct_port
  }
  authorize {
    Autz-Type Status-Server {
      ok
      $reply_ma
    }
    files
    pap
  }
  authenticate {
    Auth-Type PAP {
      pap
    }
  }
  preacct {
  }
  accounting {
    ok
  }
  post-auth {
    $reply_ma
    Post-Auth-Type REJECT {
      $reply_ma
      ok
    }
  }
}
CONF
freeradius -d "$dir" -n radiusd -f -l stdout > "$dir/radiusd.log" 2>&1 &
pid=$!
for _ in $(seq 200); do
  grep -q "Ready to process requests" "$dir/radiusd.log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/radiusd.log" >&2; exit 1; }
  sleep 0.05
done
grep -q "Ready to process requests" "$dir/radiusd.log" || { echo "freeradius did not start; see $dir/radiusd.log" >&2; exit 1; }
echo "RADIUSD_PID=$pid"
echo "RADIUS_PORT=$port"
