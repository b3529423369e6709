#!/usr/bin/env bash
# Makes a test CA and server certificates in DIR: valid, expired, soon (expires in 5 days),
# self-signed and not-yet-valid, all for 127.0.0.1 / localhost. Plain OpenSSL 3.0: `openssl ca`
# takes explicit start and end dates, which `req -x509` does not.
#   tests/servers/make-certs.sh DIR
set -euo pipefail
dir=${1:?usage: make-certs.sh DIR}
mkdir -p "$dir/ca"
cd "$dir"
[ -f ca.crt ] && exit 0

ts() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Campus Test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout ca.key -out ca.crt 2>/dev/null
: > ca/index.txt
echo 1000 > ca/serial
cat > ca.cnf <<CNF
[ca]
default_ca = testca
[testca]
dir = $dir/ca
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
certificate = $dir/ca.crt
private_key = $dir/ca.key
default_md = sha256
policy = anything
copy_extensions = copy
unique_subject = no
[anything]
commonName = supplied
[leaf_ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost,DNS:\$ENV::LEAF_NAME
CNF

leaf() {  # name start end
  LEAF_NAME="$1.campus.test" openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$1.campus.test" \
    -keyout "$1.key" -out "$1.csr" 2>/dev/null
  LEAF_NAME="$1.campus.test" openssl ca -batch -config ca.cnf -extensions leaf_ext \
    -startdate "$(ts "$2")" -enddate "$(ts "$3")" -in "$1.csr" -out "$1.crt" -notext 2>/dev/null
}
leaf valid '-1 day' '+365 days'
leaf expired '-30 days' '-1 day'
leaf soon '-1 day' '+5 days'
leaf notyet '+10 days' '+40 days'
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout self.key -out self.crt 2>/dev/null
