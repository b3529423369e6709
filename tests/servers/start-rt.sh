#!/usr/bin/env bash
# Starts a scratch Request Tracker 5 (Debian's request-tracker5 5.0.3, Starlet standalone server)
# on 127.0.0.1 for the repair-ticket (故障报修) probe, through RT's built-in REST2 API. A fresh
# SQLite database, the site config, logs, Mason caches and sessions all live in DIR; /etc and the
# packaged instance are never used. Test user campus-probe (password campus-probe-pw, also an auth
# token) may see, create, modify and resolve tickets in the queue "Campus Repair Test" only; RT's
# own superuser is root / password.
#   tests/servers/start-rt.sh DIR   -> RT_PID, RT_PORT, RT_TOKEN_FILE, RT_QUEUE, RT_USER
# RT_TOKEN_FILE (mode 0600) holds the token, e.g. 1-27-65f8be6d36f4bb9b6d50832184c880fa.
#
# Running from a temp dir:
# * RT_SITE_CONFIG=DIR/RT_SiteConfig.pm replaces /etc/request-tracker5/RT_SiteConfig.pm, and
#   RT_SITE_CONFIG_DIR=DIR/RT_SiteConfig.d (empty) replaces BOTH RT_SiteConfig.d directories, so
#   none of Debian's snippets (dbconfig-common's database in /var/lib/dbconfig-common, WebPath
#   /rt, syslog logging, /etc/timezone) is read. Both variables are needed by every RT process:
#   rt-setup-database and rt-server.
# * The paths compiled into RT::Generated (/var/lib/request-tracker5, /var/cache/request-tracker5
#   for Mason's data and the sessions) are not Set() options: the site config, evaluated in
#   package RT, assigns $RT::VarPath, $RT::MasonDataDir and $RT::MasonSessionDir directly.
# * $MailCommand 'mbox' keeps RT's scrips from calling /usr/sbin/sendmail; mail (only when a
#   ticket has requestors or watchers) goes to DIR/var/<date>.mbox.
# * $BcryptCost 4 (the minimum; default 12): tokens and passwords are checked with bcrypt on
#   every request: at the default a hash takes 0.24 s of CPU; at 4, 1 ms (a GET takes ~15 ms).
# * rt-setup-database --action init --skip-create makes the SQLite file, then
#   --action insert --datafile DIR/campus-initialdata adds the user, queue and rights, and its
#   @Final sub creates the token through RT::AuthToken and writes it out. The token is
#   "<user id>-<token id>-<secret>"; only a bcrypt hash is stored, so it cannot be read back later.
#   The database is rebuilt on every start (no state carried between runs).
# * SQLite syncs every transaction to disk: init alone took 3.8 s (0.8 s of CPU) on a busy disk.
#   The site config wraps DBI::connect to set PRAGMA synchronous = OFF for RT's handles (the
#   database is thrown away anyway), which brings both setup runs to 0.7 s each.
# * rt-server's process ($!) is Starlet's master; it forks the workers (--max-workers 2; the
#   default is 10) after loading RT, and SIGTERM (stop-all.sh) stops master and workers. As root,
#   rt-server's SIGINT handler chowns /var/lib/request-tracker5 to www-data: stop it with TERM.
# * It warns "Running with the internal HTML converter..." (w3m etc. are only Recommends):
#   harmless, so STDERR logging is at 'error'; DIR/log/rt.log has everything from 'info' up.
# * Start: 2.5-3 s in all on 2 cores (setup 1.4 s, then ~1.1 s until REST2 answers: Starlet's
#   master loads all of RT before it listens); up to 5 s while other jobs load the machine.
#
# REST2, checked with curl (H='Authorization: token <contents of RT_TOKEN_FILE>'):
#   GET  /REST/2.0/queues/all                                   -> 200
#        {"count":1,"page":1,"per_page":20,"total":null,"pages":null,
#         "items":[{"type":"queue","id":"3","_url":"http://127.0.0.1:PORT/REST/2.0/queue/3"}]}
#        (only the queues the user can see: General is not listed)
#   GET  /REST/2.0/queue/Campus%20Repair%20Test                 -> 200 {"id":3,"Name":...,...}
#   POST /REST/2.0/ticket  -H 'Content-Type: application/json'
#        {"Queue":"Campus Repair Test","Subject":"教室投影仪无信号","Content":"..."}
#                                                               -> 201, Location: /REST/2.0/ticket/1
#        {"id":"1","type":"ticket","_url":"http://127.0.0.1:PORT/REST/2.0/ticket/1"}
#        (the Queue may be a name or an id; without the JSON Content-Type: 415
#        {"message":"Unsupported Media Type"}; queue General: 403
#        {"message":"No permission to create tickets in the queue 'General'"})
#   GET  /REST/2.0/ticket/1                                     -> 200
#        {"id":1,"Subject":"教室投影仪无信号","Status":"new","Queue":{"id":"3","type":"queue",...},
#         "Owner":{"id":"Nobody",...},"Creator":{"id":"campus-probe",...},"Requestor":[],
#         "Created":"2026-11-29T18:50:40Z","Resolved":"1970-01-01T00:00:00Z","_hyperlinks":[...]}
#        (dates are UTC ISO 8601; unset ones are 1970-01-01T00:00:00Z; the ticket's own "id" is
#        a JSON number here but a string in POST's answer and in the queues list)
#   PUT  /REST/2.0/ticket/1  -H 'Content-Type: application/json' {"Status":"resolved"}
#                                                               -> 200
#        ["Ticket 1: Status changed from 'new' to 'resolved'"]   (then GET: "Status":"resolved")
#   GET  /REST/2.0/ticket/999                                   -> 404 {"message":"Not Found"}
#   wrong or malformed token, or no Authorization at all        -> 401 {"message":"Unauthorized"}
#        (no WWW-Authenticate header). Basic auth campus-probe:campus-probe-pw also works (200).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dir=$(mkdir -p "${1:?usage: start-rt.sh DIR}" && cd "$1" && pwd)
port=${RT_PORT:-$(free_port)}
user=campus-probe
queue="Campus Repair Test"
libexec=/usr/share/request-tracker5/libexec

# A server left running from an earlier start in DIR holds the old database: stop it first.
if [ -f "$dir/rt-server.pid" ]; then
  old=$(cat "$dir/rt-server.pid")
  if grep -q rt-server "/proc/$old/cmdline" 2>/dev/null; then
    kill "$old" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$dir/rt-server.pid"
fi
port_busy "$port" && { echo "start-rt.sh: port $port is taken" >&2; exit 1; }

rm -rf "$dir/rt.db" "$dir/token" "$dir/mason_data" "$dir/session_data" "$dir/var" "$dir/log" \
  "$dir/RT_SiteConfig.d"
mkdir -p "$dir"/{mason_data,session_data,var,log,RT_SiteConfig.d}

cat > "$dir/RT_SiteConfig.pm" <<CONF
# Scratch RT for campus-probe's integration tests (tests/servers/start-rt.sh).
Set(\$rtname, 'campus-test');
Set(\$Organization, 'campus.test');
Set(\$CorrespondAddress, 'rt@campus.test');
Set(\$CommentAddress, 'rt-comment@campus.test');
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$dir/rt.db');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $port);
Set(\$WebPath, '');
Set(\$Timezone, 'UTC');
Set(\$LogToSyslog, undef);
Set(\$LogToSTDERR, 'error');
Set(\$LogDir, '$dir/log');
Set(\$LogToFile, 'info');
Set(\$LogToFileNamed, 'rt.log');
Set(\$MailCommand, 'mbox');
Set(\$BcryptCost, 4);
\$RT::VarPath = '$dir/var';
\$RT::MasonDataDir = '$dir/mason_data';
\$RT::MasonSessionDir = '$dir/session_data';
# A throwaway database: no fsync per transaction (setting it up took 4.8 s, now 1.4 s).
require DBI;
unless (\$CampusScratch::connect) {
    no warnings 'redefine';
    \$CampusScratch::connect = \\&DBI::connect;
    *DBI::connect = sub {
        my \$dbh = \$CampusScratch::connect->(@_);
        \$dbh->do('PRAGMA synchronous = OFF') if \$dbh && \$dbh->{Driver}{Name} eq 'SQLite';
        return \$dbh;
    };
}
1;
CONF

# RT's initialdata format: the test user, its queue and rights, then the token (@Final runs last).
cat > "$dir/campus-initialdata" <<'DATA'
@Users = ({
    Name => 'campus-probe', Password => 'campus-probe-pw', RealName => 'Campus Probe',
    EmailAddress => 'campus-probe@campus.test', Privileged => 1,
});
@Queues = ({
    Name => 'Campus Repair Test', Description => '故障报修 (test queue)',
    CorrespondAddress => '', CommentAddress => '',
});
@ACL = ({
    UserId => 'campus-probe', Queue => 'Campus Repair Test',
    Right => [qw(SeeQueue ShowTicket CreateTicket ModifyTicket ReplyToTicket CommentOnTicket
                 ShowTicketComments OwnTicket TakeTicket)],
});
@Final = (sub {
    my $user = RT::User->new(RT->SystemUser);
    $user->Load('campus-probe');
    my ($id, $msg, $token) = RT::AuthToken->new(RT->SystemUser)->Create(
        Owner => $user->Id, Description => 'campus-probe integration tests');
    die "auth token: $msg\n" unless $id;
    my $file = $ENV{RT_TOKEN_FILE} or die "RT_TOKEN_FILE is not set\n";
    umask 077;
    open(my $fh, '>', $file) or die "$file: $!\n";
    print $fh "$token\n";
    close $fh or die "$file: $!\n";
});
1;
DATA

export RT_SITE_CONFIG="$dir/RT_SiteConfig.pm" RT_SITE_CONFIG_DIR="$dir/RT_SiteConfig.d"
export RT_TOKEN_FILE="$dir/token"
{
  /usr/sbin/rt-setup-database --action init --skip-create
  /usr/sbin/rt-setup-database --action insert --datafile "$dir/campus-initialdata"
} > "$dir/setup.log" 2>&1 ||
  { echo "start-rt.sh: database setup failed; see $dir/setup.log" >&2; exit 1; }
[ -s "$dir/token" ] || { echo "start-rt.sh: no token written; see $dir/setup.log" >&2; exit 1; }
chmod 0600 "$dir/token"
token=$(cat "$dir/token")

"$libexec/rt-server" --host 127.0.0.1 --port "$port" --max-workers 2 \
  < /dev/null > "$dir/log/rt-server.log" 2>&1 &
pid=$!
echo "$pid" > "$dir/rt-server.pid"
# Ready once REST2 answers with the token (RT loads in the master before it listens).
code=000
for _ in $(seq 1 300); do
  kill -0 "$pid" 2>/dev/null || break
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: token $token" \
    "http://127.0.0.1:$port/REST/2.0/queues/all" || true)
  [ "$code" = 200 ] && break
  sleep 0.1
done
if [ "$code" != 200 ]; then
  kill "$pid" 2>/dev/null || true
  echo "start-rt.sh: REST2 not ready (HTTP $code); see $dir/log" >&2
  exit 1
fi
echo "RT_PID=$pid"
echo "RT_PORT=$port"
echo "RT_TOKEN_FILE=$dir/token"
echo "RT_QUEUE=$queue"
echo "RT_USER=$user"
