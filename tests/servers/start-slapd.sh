#!/usr/bin/env bash
# Starts a scratch OpenLDAP slapd on 127.0.0.1 (ldap:// with StartTLS, and ldaps://), its config
# and database in DIR, base dc=campus,dc=test with a few people:
#   uid=student1 (student1pw), uid=staff1 (staff1pw), uid=teacher.wang (王老师, wangpw);
#   cn=admin,dc=campus,dc=test (adminpw) is the root DN.
#   tests/servers/start-slapd.sh DIR   -> SLAPD_PID, SLAPD_PORT, SLAPD_LDAPS_PORT, SLAPD_CA
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dir=$(mkdir -p "${1:?usage: start-slapd.sh DIR}" && cd "$1" && pwd)
port=$(free_port)
ldaps_port=$(free_port)
"$here/make-certs.sh" "$dir/certs"
mkdir -p "$dir/data"

cat > "$dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
TLSCACertificateFile $dir/certs/ca.crt
TLSCertificateFile $dir/certs/valid.crt
TLSCertificateKeyFile $dir/certs/valid.key
database mdb
maxsize 67108864
suffix "dc=campus,dc=test"
rootdn "cn=admin,dc=campus,dc=test"
rootpw $(slappasswd -s adminpw)
directory $dir/data
index objectClass eq
index uid eq
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by anonymous read
CONF

person() {  # uid cn sn password uidNumber
  cat <<LDIF
dn: uid=$1,ou=people,dc=campus,dc=test
objectClass: inetOrgPerson
objectClass: posixAccount
uid: $1
cn: $2
sn: $3
mail: $1@campus.test
uidNumber: $5
gidNumber: 10000
homeDirectory: /home/$1
userPassword: $(slappasswd -s "$4")

LDIF
}
if [ ! -f "$dir/data/data.mdb" ]; then
  {
    printf 'dn: dc=campus,dc=test\nobjectClass: dcObject\nobjectClass: organization\no: Campus\ndc: campus\n\n'
    printf 'dn: ou=people,dc=campus,dc=test\nobjectClass: organizationalUnit\nou: people\n\n'
    printf 'dn: ou=groups,dc=campus,dc=test\nobjectClass: organizationalUnit\nou: groups\n\n'
    person student1 "Student One" One student1pw 10001
    person staff1 "Staff One" One staff1pw 10002
    person teacher.wang "王老师" 王 wangpw 10003
    printf 'dn: cn=students,ou=groups,dc=campus,dc=test\nobjectClass: groupOfNames\ncn: students\nmember: uid=student1,ou=people,dc=campus,dc=test\n\n'
  } > "$dir/base.ldif"
  slapadd -q -f "$dir/slapd.conf" -l "$dir/base.ldif"
fi

# -d keeps slapd in the foreground, so $! is its pid; "stats" logs connections and binds.
slapd -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$ldaps_port/" -d stats \
  > "$dir/slapd.log" 2>&1 &
pid=$!
wait_for_port "$port"
wait_for_port "$ldaps_port"
echo "SLAPD_PID=$pid"
echo "SLAPD_PORT=$port"
echo "SLAPD_LDAPS_PORT=$ldaps_port"
echo "SLAPD_CA=$dir/certs/ca.crt"
