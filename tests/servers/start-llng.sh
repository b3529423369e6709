#!/usr/bin/env bash
# Starts a scratch LemonLDAP::NG portal (FastCGI server behind nginx) on 127.0.0.1 as a CAS
# server and OpenID Connect provider, with the Demo user backend (dwho/dwho, rtyler/rtyler,
# msmith/msmith). Everything lives in DIR; /etc and the system instances are only read.
#   tests/servers/start-llng.sh DIR
# Prints LLNG_FCGI_PID, LLNG_NGINX_PID, LLNG_PORT and LLNG_HOST (reach it as
# http://auth.campus.test:PORT/ with curl's --resolve, or the probes' `resolve:` param).
# CAS: service http://app.campus.test/ releases cn, mail, uid; with CAS_APP_PORT set, so does
# http://app.campus.test:CAS_APP_PORT/ (the app of start-cas-app.sh).
# OIDC: client campus-client / campus-secret, redirect http://app.campus.test/callback, grants
# authorization_code, password, client_credentials; RS256 key id campus-test-key.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dir=$(mkdir -p "${1:?usage: start-llng.sh DIR}" && cd "$1" && pwd)
port=${LLNG_PORT:-$(free_port)}
port_busy "$port" && { echo "start-llng.sh: port $port is taken" >&2; exit 1; }
host=auth.campus.test

# The portal caches its configuration: a restart on another port must not see the old one. A
# scratch portal starts without the sessions of an earlier run.
rm -rf "$dir/cache" "$dir/sessions" "$dir/psessions"
mkdir -p "$dir"/{conf,sessions/lock,psessions/lock,cache,run,nginx/logs,nginx/tmp}
rm -f "$dir/run/llng-fastcgi.sock"
[ -f "$dir/oidc.key" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
  -out "$dir/oidc.key" 2>/dev/null
openssl pkey -in "$dir/oidc.key" -pubout -out "$dir/oidc.pub" 2>/dev/null

cat > "$dir/lemonldap-ng.ini" <<INI
[all]
logLevel = notice
checkTime = 1
[configuration]
type = File
dirName = $dir/conf
prettyPrint = 1
localStorage = Cache::FileCache
localStorageOptions = { 'namespace' => 'lemonldap-ng-config', 'default_expires_in' => 600, 'directory_umask' => '007', 'cache_root' => '$dir/cache', 'cache_depth' => 3, }
[portal]
staticPrefix = /static
templateDir = /usr/share/lemonldap-ng/portal/templates
languages = en
[handler]
status = 0
useRedirectOnError = 1
INI

DIR="$dir" PORT="$port" HOST="$host" APP_PORT="${CAS_APP_PORT:-}" python3 - <<'PY'
import json, os, time
d, port, host = os.environ["DIR"], os.environ["PORT"], os.environ["HOST"]
portal = f"http://{host}:{port}"
conf = {
  "cfgNum": 1, "cfgDate": int(time.time()), "cfgVersion": "2.16.1",
  "cfgAuthor": "campus-probe tests",
  "authentication": "Demo", "userDB": "Same", "passwordDB": "Demo", "registerDB": "Demo",
  "demoExportedVars": {"cn": "cn", "mail": "mail", "uid": "uid"},
  "domain": "campus.test", "portal": portal + "/",
  "cookieName": "lemonldap", "securedCookie": 0, "timeout": 72000, "whatToTrace": "uid",
  "globalStorage": "Apache::Session::File",
  "globalStorageOptions": {"Directory": f"{d}/sessions", "LockDirectory": f"{d}/sessions/lock",
     "generateModule": "Lemonldap::NG::Common::Apache::Session::Generate::SHA256"},
  "persistentStorage": "Apache::Session::File",
  "persistentStorageOptions": {"Directory": f"{d}/psessions", "LockDirectory": f"{d}/psessions/lock"},
  "localSessionStorage": "Cache::FileCache",
  "localSessionStorageOptions": {"cache_root": f"{d}/cache", "cache_depth": 3,
     "default_expires_in": 600, "directory_umask": "007", "namespace": "lemonldap-ng-sessions"},
  "locationRules": {host: {"default": "accept"}},
  "notification": 0, "loginHistoryEnabled": 0, "portalSkin": "bootstrap",
  "issuerDBCASActivation": 1,
  # Only declared services get tickets, so a wrong service is refused as on a real campus.
  "casAccessControlPolicy": "error",
  "casAppMetaDataOptions": {"campusapp": {"casAppMetaDataOptionsService": "http://app.campus.test/"}},
  "casAppMetaDataExportedVars": {"campusapp": {"cn": "cn", "mail": "mail", "uid": "uid"}},
  "issuerDBOpenIDConnectActivation": 1,
  "oidcServiceMetaDataIssuer": portal,
  "oidcServicePrivateKeySig": open(f"{d}/oidc.key").read(),
  "oidcServicePublicKeySig": open(f"{d}/oidc.pub").read(),
  "oidcServiceKeyIdSig": "campus-test-key", "oidcServiceAllowAuthorizationCodeFlow": 1,
  "oidcRPMetaDataOptions": {"campusrp": {
     "oidcRPMetaDataOptionsClientID": "campus-client",
     "oidcRPMetaDataOptionsClientSecret": "campus-secret",
     "oidcRPMetaDataOptionsRedirectUris": "http://app.campus.test/callback",
     "oidcRPMetaDataOptionsAllowPasswordGrant": 1,
     "oidcRPMetaDataOptionsAllowClientCredentialsGrant": 1,
     "oidcRPMetaDataOptionsBypassConsent": 1, "oidcRPMetaDataOptionsIDTokenSignAlg": "RS256",
     "oidcRPMetaDataOptionsPublic": 0, "oidcRPMetaDataOptionsRefreshToken": 1}},
  "oidcRPMetaDataExportedVars": {"campusrp": {"email": "mail", "name": "cn",
     "preferred_username": "uid"}},
}
if os.environ.get("APP_PORT"):
    app = "http://app.campus.test:" + os.environ["APP_PORT"] + "/"
    conf["casAppMetaDataOptions"]["ssoapp"] = {"casAppMetaDataOptionsService": app}
    conf["casAppMetaDataExportedVars"]["ssoapp"] = {"cn": "cn", "uid": "uid"}
with open(f"{d}/conf/lmConf-1.json", "w") as f:
    json.dump(conf, f, indent=1)
PY

cat > "$dir/nginx/nginx.conf" <<CONF
user www-data;
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/logs/error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path $dir/nginx/tmp/body;
  proxy_temp_path $dir/nginx/tmp/proxy;
  fastcgi_temp_path $dir/nginx/tmp/fastcgi;
  uwsgi_temp_path $dir/nginx/tmp/uwsgi;
  scgi_temp_path $dir/nginx/tmp/scgi;
  upstream llng_portal_upstream { server unix:$dir/run/llng-fastcgi.sock; }
  server {
    listen 127.0.0.1:$port;
    server_name $host;
    root /usr/share/lemonldap-ng/portal/htdocs/;
    if (\$uri !~ ^/((static|javascript|favicon).*|.*\.psgi)) { rewrite ^/(.*)\$ /index.psgi/\$1 break; }
    location ~ ^(?<sc>/.*\.psgi)(?:\$|/) {
      include /etc/nginx/fastcgi_params;
      fastcgi_pass llng_portal_upstream;
      fastcgi_param HTTP_HOST \$http_host;
      fastcgi_param LLTYPE psgi;
      fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
      fastcgi_split_path_info ^(.*\.psgi)(/.*)\$;
      fastcgi_param PATH_INFO \$fastcgi_path_info;
    }
    index index.psgi;
    location / { try_files \$uri \$uri/ =404; }
    location /static/ { alias /usr/share/lemonldap-ng/portal/htdocs/static/; }
    location /javascript/ { alias /usr/share/javascript/; }
  }
}
CONF

# The FastCGI server refuses to run as root; it and nginx's workers run as www-data.
chown -R www-data:www-data "$dir"
LLNG_DEFAULTCONFFILE="$dir/lemonldap-ng.ini" \
LLNG_DEFAULTLOGGER=Lemonldap::NG::Common::Logger::Std \
  /usr/sbin/llng-fastcgi-server --foreground -u www-data -g www-data -n 2 \
    -s "$dir/run/llng-fastcgi.sock" -p "$dir/run/llng-fastcgi.pid" > "$dir/fastcgi.log" 2>&1 &
fcgi_pid=$!
nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -g 'daemon off;' > "$dir/nginx/logs/nginx.out" 2>&1 &
nginx_pid=$!
wait_for_port "$port"
# Ready once the portal answers through FastCGI (the socket appears a moment after the start).
for _ in $(seq 1 200); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --resolve "$host:$port:127.0.0.1" \
    "http://$host:$port/cas/login" || true)
  [ "$code" = 200 ] && break
  sleep 0.1
done
[ "$code" = 200 ] || { echo "start-llng.sh: portal not ready (HTTP $code); see $dir/fastcgi.log" >&2; exit 1; }
echo "LLNG_FCGI_PID=$fcgi_pid"
echo "LLNG_NGINX_PID=$nginx_pid"
echo "LLNG_PORT=$port"
echo "LLNG_HOST=$host"
