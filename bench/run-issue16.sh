#!/bin/sh
# The whole issue-16 table in one command: janus-ts (media_workers 0, 1, 2) against the Debian
# janus 1.1.2, same lite subscriber clients (bench/srtp-peek.ts), in a private network namespace
# (veth 10.77.0.1, as bench/run-fanout.sh). Every server run is bounded (--max-secs), the whole
# script too (timeout). Prints the tables (bench/issue16-table.ts) at the end; the raw rows stay
# in the JSON-lines file it names.
#
#   bench/run-issue16.sh [repetitions=3] [window seconds=5]
#
# Environment:
#   STORM_N=100          join-storm size (4 at a time), each repetition, ours (default workers) and Janus
#   CAP_NS=50,100,150,200,250,300   capacity sweep (subscribers added step by step, incremental)
#   CAP_WORKERS="0 1 2"  our media_workers values in the sweep (Janus is swept once too)
#   SKIP=storm|capacity  run only one part
#   QUIET=1              also one join storm each with the publisher paused while joining (the
#                        join's own cost, no fan-out running)
#   OUT=file.jsonl       where the rows go (default: a new file under /tmp)
#   CLIENT=lite|werift   subscriber client (default lite)
#   EXTRA="--idle-secs 5"  more videoroom-fanout.js options for every run
set -e
REPS=${1:-3}
SECS=${2:-5}
STORM_N=${STORM_N:-100}
CAP_NS=${CAP_NS:-50,100,150,200,250,300}
CAP_WORKERS=${CAP_WORKERS:-0 1 2}
CLIENT=${CLIENT:-lite}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$(mktemp /tmp/issue16-XXXXXX.jsonl)}
: > "$OUT"
echo "rows: $OUT (machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
export ROOT OUT REPS SECS STORM_N CAP_NS CAP_WORKERS CLIENT SKIP QUIET EXTRA
# 25 minutes at most for everything (a quiet 2-core machine needs ~10)
timeout -k 10 1500 unshare -n sh -c '
set -e
ip link set lo up
ip link add vr0 type veth peer name vr1
ip link set vr1 up
ip addr add 10.77.0.1/24 dev vr0
ip link set vr0 up
cd "$ROOT"
FAN="node dist/bench/videoroom-fanout.js --ip 10.77.0.1 --client $CLIENT --json $OUT --seconds $SECS --max-secs 600 $EXTRA"
CONF=$(mktemp -d)
cp /etc/janus/*.jcfg $CONF/
# only the VideoRoom plugin and the WebSocket transport; our ports; ICE on vr0 only
sed -i "s|^\(\s*\)#\?\s*disable = \"libjanus_voicemail.so,libjanus_recordplay.so\"|\1disable = \"libjanus_audiobridge.so,libjanus_sip.so,libjanus_nosip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_voicemail.so,libjanus_recordplay.so,libjanus_videocall.so,libjanus_echotest.so,libjanus_lua.so,libjanus_duktape.so\"|" $CONF/janus.jcfg
sed -i "s|^\(\s*\)#\?\s*disable = \"libjanus_rabbitmq.so\"|\1disable = \"libjanus_http.so,libjanus_pfunix.so,libjanus_mqtt.so,libjanus_rabbitmq.so,libjanus_nanomsg.so\"|" $CONF/janus.jcfg
sed -i "s|^\t#rtp_port_range = .*|\trtp_port_range = \"43000-43499\"|; s|^\t#ice_enforce_list = \"eth0\"\$|\tice_enforce_list = \"vr0\"|" $CONF/janus.jcfg
sed -i "s|ws_port = 8188|ws_port = 23510|; s|^\(\s*\)admin_ws = true|\1admin_ws = false|" $CONF/janus.transport.websockets.jcfg
# janus <label> <fan-out args...>: a fresh Janus for one bench invocation
janus_run() {
  L=$1; shift
  janus -F $CONF -N -L $CONF/janus.log -d 3 &
  JPID=$!
  sleep 2
  $FAN --url ws://10.77.0.1:23510 --pid $JPID --label "$L" "$@" || echo "Janus run \"$L\" failed" >&2
  kill $JPID; wait $JPID || true
}
ours_run() {
  L=$1; shift
  $FAN --ours --label "$L" "$@" || echo "janus-ts run \"$L\" failed" >&2
}
if [ "$SKIP" != storm ]; then
  r=1
  while [ $r -le $REPS ]; do
    echo "== join storm, repetition $r of $REPS" >&2
    ours_run "janus-ts (media_workers default) [storm]" --n $STORM_N
    janus_run "Janus 1.1.2 [storm]" --n $STORM_N
    r=$((r + 1))
  done
  if [ "$QUIET" = 1 ]; then
    echo "== join storm with the publisher paused while joining" >&2
    ours_run "janus-ts (media_workers default) [storm, quiet]" --n $STORM_N --quiet-join
    janus_run "Janus 1.1.2 [storm, quiet]" --n $STORM_N --quiet-join
  fi
fi
if [ "$SKIP" != capacity ]; then
  for w in $CAP_WORKERS; do
    echo "== capacity, janus-ts media_workers=$w" >&2
    ours_run "janus-ts media_workers=$w [capacity]" --incremental --n $CAP_NS --media-workers $w
  done
  echo "== capacity, Janus 1.1.2" >&2
  janus_run "Janus 1.1.2 [capacity]" --incremental --n $CAP_NS
fi
rm -rf $CONF
'
echo "machine at the end: load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
node "$ROOT/dist/bench/issue16-table.js" "$OUT"
