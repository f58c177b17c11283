// VideoRoom demo for janus-ts: publish camera and microphone, and subscribe to everybody else
// through ONE subscriber handle (Janus 1.x multistream). Plain janus.js, no framework.
'use strict';

// Test hooks and a place to read how things are going (the browser test reads it).
const state = (window.demoState = { joined: false, myId: null, feeds: {}, remoteTracks: 0, errors: [] });

const params = new URLSearchParams(location.search);
// The Janus API on the same HTTP listener that serves this page, unless ?server= says otherwise.
const server = params.get('server') || location.origin + '/janus';

let janus = null;
let publisher = null; // our publisher handle
let subscriber = null; // one handle for all subscriptions
let subscribing = false; // a subscriber "join" is in flight
const pending = []; // feeds to subscribe to once the subscriber handle is ready
let room = 1234;
let pin = '';

const $ = (id) => document.getElementById(id);
function log(...a) {
  const line = a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ');
  $('log').textContent += line + '\n';
  $('log').scrollTop = 1e9;
}
function status(s) {
  $('status').textContent = s;
}
function fail(where, e) {
  const msg = where + ': ' + (e && e.message ? e.message : JSON.stringify(e));
  state.errors.push(msg);
  log('ERROR ' + msg);
  status(msg);
}

$('join').addEventListener('submit', (ev) => {
  ev.preventDefault();
  room = /^\d+$/.test($('room').value) ? Number($('room').value) : $('room').value;
  pin = $('pin').value;
  $('go').disabled = true;
  start();
});
$('leave').addEventListener('click', () => {
  if (janus) janus.destroy({ cleanupHandles: true });
  location.reload();
});
if (params.get('autojoin')) {
  if (params.get('room')) $('room').value = params.get('room');
  if (params.get('name')) $('name').value = params.get('name');
  window.addEventListener('load', () => $('join').requestSubmit());
}

function start() {
  Janus.init({
    debug: params.get('debug') ? 'all' : false,
    callback: () => {
      janus = new Janus({
        server,
        success: attachPublisher,
        error: (e) => fail('session', e),
        destroyed: () => status('Session destroyed'),
      });
    },
  });
}

function attachPublisher() {
  janus.attach({
    plugin: 'janus.plugin.videoroom',
    opaqueId: 'videoroom-demo-' + Janus.randomString(8),
    success: (h) => {
      publisher = h;
      status('Joining room ' + room + '...');
      const join = { request: 'join', ptype: 'publisher', room, display: $('name').value || 'guest' };
      if (pin) join.pin = pin;
      h.send({ message: join });
    },
    error: (e) => fail('attach', e),
    onmessage: onPublisherMessage,
    onlocaltrack: (track, on) => {
      if (track.kind !== 'video') return;
      const v = $('local');
      if (on) v.srcObject = new MediaStream([track]);
      else v.srcObject = null;
    },
    webrtcState: (on) => log('publisher PeerConnection ' + (on ? 'up' : 'down')),
    oncleanup: () => log('publisher cleaned up'),
  });
}

function onPublisherMessage(msg, jsep) {
  const ev = msg.videoroom;
  if (msg.error) {
    fail('videoroom', msg.error_code + ' ' + msg.error);
  } else if (ev === 'joined') {
    state.joined = true;
    state.myId = msg.id;
    status('In room ' + msg.room + ' as ' + msg.id);
    $('leave').disabled = false;
    publish();
    addFeeds(msg.publishers || []);
  } else if (ev === 'destroyed') {
    status('The room was destroyed');
  } else if (ev === 'event') {
    if (msg.publishers) addFeeds(msg.publishers);
    // a publisher going away: the server sends the subscriber an "updated" offer by itself (autoupdate)
    const gone = msg.unpublished || msg.leaving;
    if (gone && gone !== 'ok') removeFeed(gone);
    if (msg.leaving === 'ok' && msg.reason === 'kicked') status('Kicked out of the room');
  }
  if (jsep) publisher.handleRemoteJsep({ jsep });
}

function publish() {
  publisher.createOffer({
    tracks: [
      { type: 'audio', capture: true, recv: false },
      { type: 'video', capture: true, recv: false },
    ],
    success: (jsep) => publisher.send({ message: { request: 'configure', audio: true, video: true }, jsep }),
    error: (e) => fail('getUserMedia/createOffer', e),
  });
}

function addFeeds(list) {
  const streams = [];
  for (const p of list) {
    if (p.id === state.myId || state.feeds[p.id]) continue;
    state.feeds[p.id] = { display: p.display || String(p.id) };
    log('new publisher', p.id, p.display || '');
    streams.push({ feed: p.id });
  }
  if (streams.length > 0) subscribe(streams);
}

function removeFeed(id) {
  delete state.feeds[id];
  log('publisher gone', id);
}

function subscribe(streams) {
  if (subscriber) {
    subscriber.send({ message: { request: 'subscribe', streams } });
    return;
  }
  pending.push(...streams);
  if (subscribing) return;
  subscribing = true;
  janus.attach({
    plugin: 'janus.plugin.videoroom',
    success: (h) => {
      subscriber = h;
      const join = { request: 'join', ptype: 'subscriber', room, streams: pending.splice(0) };
      if (pin) join.pin = pin;
      h.send({ message: join });
    },
    error: (e) => fail('attach subscriber', e),
    onmessage: (msg, jsep) => {
      if (msg.error) fail('subscriber', msg.error_code + ' ' + msg.error);
      for (const st of msg.streams || []) midToFeed[st.mid] = st;
      if (msg.videoroom === 'attached' && pending.length > 0) subscriber.send({ message: { request: 'subscribe', streams: pending.splice(0) } });
      if (jsep && jsep.type === 'offer') {
        subscriber.createAnswer({
          jsep,
          tracks: [{ type: 'data' }], // receive only
          success: (answer) => subscriber.send({ message: { request: 'start' }, jsep: answer }),
          error: (e) => fail('createAnswer', e),
        });
      }
    },
    onremotetrack: onRemoteTrack,
    webrtcState: (on) => log('subscriber PeerConnection ' + (on ? 'up' : 'down')),
  });
}

const tiles = {}; // mid -> <figure>
const midToFeed = {}; // subscriber mid -> its stream description from "attached"/"updated"

function onRemoteTrack(track, mid, on) {
  if (track.kind !== 'video') {
    // audio: play it through a hidden element
    if (on) {
      const a = document.createElement('audio');
      a.autoplay = true;
      a.srcObject = new MediaStream([track]);
      a.id = 'audio-' + mid;
      document.body.appendChild(a);
    } else {
      const a = document.getElementById('audio-' + mid);
      if (a) a.remove();
    }
    return;
  }
  if (!on) {
    if (tiles[mid]) tiles[mid].remove();
    delete tiles[mid];
    state.remoteTracks = Object.keys(tiles).length;
    return;
  }
  if (tiles[mid]) return;
  const fig = document.createElement('figure');
  const v = document.createElement('video');
  v.autoplay = true;
  v.playsInline = true;
  v.muted = true;
  v.srcObject = new MediaStream([track]);
  const cap = document.createElement('figcaption');
  const src = midToFeed[mid];
  cap.textContent = src ? src.feed_display || 'feed ' + src.feed_id : 'mid ' + mid;
  fig.append(v, cap);
  $('videos').appendChild(fig);
  tiles[mid] = fig;
  state.remoteTracks = Object.keys(tiles).length;
}

// For tests: frames decoded by our subscriber PeerConnection.
window.demoStats = async function () {
  const pc = subscriber && subscriber.webrtcStuff && subscriber.webrtcStuff.pc;
  let decoded = 0;
  if (pc) (await pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') decoded += r.framesDecoded || 0; });
  return { framesDecoded: decoded, remoteTracks: state.remoteTracks, joined: state.joined, errors: state.errors, feeds: Object.keys(state.feeds) };
};
