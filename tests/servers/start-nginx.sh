#!/usr/bin/env bash
# Starts a scratch nginx on 127.0.0.1 serving test content over HTTP and HTTPS.
#   tests/servers/start-nginx.sh DIR
# Prints shell assignments: NGINX_PID, NGINX_HTTP_PORT, and NGINX_TLS_{VALID,EXPIRED,SOON,SELF,
# NOTYET}_PORT; the test CA is DIR/certs/ca.crt. Content under http://127.0.0.1:PORT/:
#   status.json, index.html, big.bin (50 MiB), /status/CODE, /redirect (302 to /status.json),
#   /basic/ (Basic auth probe:probepw)
# NGINX_HTTP_PORT=N in the environment fixes the HTTP port (default: a free one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dir=$(mkdir -p "${1:?usage: start-nginx.sh DIR}" && cd "$1" && pwd)
"$here/make-certs.sh" "$dir/certs"
mkdir -p "$dir/www/basic" "$dir/logs" "$dir/tmp"
printf '{"status":"ok","service":"campus-test","version":1,"checks":{"db":"up","ldap":"up"}}\n' \
  > "$dir/www/status.json"
printf '<!doctype html><title>campus test</title><h1>It works</h1>\n' > "$dir/www/index.html"
printf 'protected\n' > "$dir/www/basic/index.html"
[ -f "$dir/www/big.bin" ] || head -c 52428800 /dev/zero > "$dir/www/big.bin"
printf 'probe:%s\n' "$(openssl passwd -apr1 probepw)" > "$dir/htpasswd"
# Workers run as www-data and must read the content.
chmod -R a+rX "$dir"

http_port=${NGINX_HTTP_PORT:-$(free_port)}
declare -A tls_ports
tls_server() {  # name
  local port
  port=$(free_port)
  tls_ports[$1]=$port
  cat <<CONF
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $dir/certs/$1.crt;
    ssl_certificate_key $dir/certs/$1.key;
    root $dir/www;
  }
CONF
}
status_locations=""
for code in 200 204 301 302 401 403 404 500 502 503; do
  status_locations+="    location = /status/$code { return $code \"status $code\\n\"; }"$'\n'
done
{
  cat <<CONF
user www-data;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$http_port;
    root $dir/www;
$status_locations
    location = /redirect { return 302 /status.json; }
    location /basic/ { auth_basic "campus"; auth_basic_user_file $dir/htpasswd; }
  }
CONF
  tls_server valid
  tls_server expired
  tls_server soon
  tls_server self
  tls_server notyet
  echo "}"
} > "$dir/nginx.conf"

nginx -t -q -p "$dir" -c "$dir/nginx.conf"
nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' > "$dir/logs/nginx.out" 2>&1 &
pid=$!
wait_for_port "$http_port"
for name in valid expired soon self notyet; do wait_for_port "${tls_ports[$name]}"; done
echo "NGINX_PID=$pid"
echo "NGINX_HTTP_PORT=$http_port"
echo "NGINX_TLS_VALID_PORT=${tls_ports[valid]}"
echo "NGINX_TLS_EXPIRED_PORT=${tls_ports[expired]}"
echo "NGINX_TLS_SOON_PORT=${tls_ports[soon]}"
echo "NGINX_TLS_SELF_PORT=${tls_ports[self]}"
echo "NGINX_TLS_NOTYET_PORT=${tls_ports[notyet]}"
echo "TEST_CA=$dir/certs/ca.crt"
