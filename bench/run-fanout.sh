#!/bin/sh
# VideoRoom fan-out benchmark inside a private network namespace (root, iproute2), for janus-ts
# and/or the Debian janus 1.1.2. Janus's ICE skips loopback interfaces, so both servers and all
# clients use a veth interface (10.77.0.1) that exists only in this namespace.
#   bench/run-fanout.sh [ours|janus|both] [N list] [seconds]
# MEDIA_WORKERS=k in the environment sets our janus.jcfg media.media_workers (default: one per core).
# CLIENT=werift uses full werift subscribers instead of the cheap lite client (bench/srtp-peek.ts);
# FANOUT_ARGS="..." adds videoroom-fanout.js options (e.g. --incremental, --quiet-join, --json FILE).
# The whole issue-16 table (storms, capacity, media_workers 0/1/2 vs Janus) is bench/run-issue16.sh.
set -e
WHICH=${1:-both}
NS=${2:-1,10,50,100,200}
SECS=${3:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
exec unshare -n sh -c "
set -e
ip link set lo up
ip link add vr0 type veth peer name vr1
ip link set vr1 up
ip addr add 10.77.0.1/24 dev vr0
ip link set vr0 up
cd '$ROOT'
if [ '$WHICH' = ours ] || [ '$WHICH' = both ]; then
  node dist/bench/videoroom-fanout.js --ours --ip 10.77.0.1 --n $NS --seconds $SECS ${CLIENT:+--client $CLIENT} $FANOUT_ARGS ${MEDIA_WORKERS:+--media-workers $MEDIA_WORKERS} --label 'janus-ts${MEDIA_WORKERS:+ (media_workers=$MEDIA_WORKERS)}'
fi
if [ '$WHICH' = janus ] || [ '$WHICH' = both ]; then
  CONF=\$(mktemp -d)
  cp /etc/janus/*.jcfg \$CONF/
  # only the VideoRoom plugin and the WebSocket transport; our ports; ICE on vr0 only
  sed -i 's|^\(\s*\)#\?\s*disable = \"libjanus_voicemail.so,libjanus_recordplay.so\"|\1disable = \"libjanus_audiobridge.so,libjanus_sip.so,libjanus_nosip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_voicemail.so,libjanus_recordplay.so,libjanus_videocall.so,libjanus_echotest.so,libjanus_lua.so,libjanus_duktape.so\"|' \$CONF/janus.jcfg
  sed -i 's|^\(\s*\)#\?\s*disable = \"libjanus_rabbitmq.so\"|\1disable = \"libjanus_http.so,libjanus_pfunix.so,libjanus_mqtt.so,libjanus_rabbitmq.so,libjanus_nanomsg.so\"|' \$CONF/janus.jcfg
  sed -i 's|^\t#rtp_port_range = .*|\trtp_port_range = \"43000-43499\"|; s|^\t#ice_enforce_list = \"eth0\"\$|\tice_enforce_list = \"vr0\"|' \$CONF/janus.jcfg
  sed -i 's|ws_port = 8188|ws_port = 23510|; s|^\(\s*\)admin_ws = true|\1admin_ws = false|' \$CONF/janus.transport.websockets.jcfg
  janus -F \$CONF -N -L \$CONF/janus.log -d 3 &
  JPID=\$!
  sleep 2
  node dist/bench/videoroom-fanout.js --url ws://10.77.0.1:23510 --pid \$JPID --ip 10.77.0.1 --n $NS --seconds $SECS ${CLIENT:+--client $CLIENT} $FANOUT_ARGS --label 'Janus 1.1.2' || true
  kill \$JPID; wait \$JPID || true
  rm -rf \$CONF
fi
"
