import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { clientPeer, gathered, JanusWs, onTracks, RtpPump, until, startMediaServer, type MediaServer, openVideoEcho } from './media-support';

const base = (body: string) =>
  ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', body].join('\r\n') + '\r\n';
const ice = 'a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n';
const fp = 'a=fingerprint:sha-256 ' + Array(32).fill('AB').join(':') + '\r\na=setup:actpass\r\n';

/** An echo session that keeps running while other handles get bad input. */
async function echoSession(srv: MediaServer) {
  const { janus, handle, pc, video, answer } = await openVideoEcho(srv.wsUrl, 8000);
  let received = 0;
  onTracks(video, () => received++);
  const pump = new RtpPump(video, video.codecs[0].payloadType!, 300, 3000);
  const port = Number(/a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/.exec(answer.sdp)![1]);
  return {
    janus, handle, pc, pump, port,
    get received() {
      return received;
    },
    async close() {
      pump.stop();
      await pc.close();
      janus.close();
    },
  };
}

describe('Media stack: bad input', function () {
  this.timeout(30000);
  let srv: MediaServer;
  let janus: JanusWs;
  let handle: number;
  before(async () => {
    srv = await startMediaServer();
    janus = await JanusWs.connect(srv.wsUrl);
    await janus.createSession();
    handle = await janus.attach();
  });
  after(async () => {
    janus?.close();
    await srv?.stop();
  });

  const offer = async (sdp: string) => (await janus.message(handle, { audio: true }, { type: 'offer', sdp })).reply;

  it('malformed m-line → 465', async () => {
    const r = await offer(base('m=audio notaport RTP/SAVPF 111'));
    assert.equal(r.janus, 'error');
    assert.equal(r.error.code, 465);
    assert.match(r.error.reason, /Invalid m-line/);
  });

  it('SDP without ICE credentials or DTLS fingerprint → 465', async () => {
    const noIce = await offer(base('m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n' + fp));
    assert.equal(noIce.error?.code, 465);
    assert.match(noIce.error.reason, /ICE/);
    const noFp = await offer(base('m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n' + ice));
    assert.equal(noFp.error?.code, 465);
    assert.match(noFp.error.reason, /fingerprint/);
  });

  it('an m-line with only unknown codecs is rejected (port 0), the others negotiated and working', async () => {
    const j2 = await JanusWs.connect(srv.wsUrl);
    await j2.createSession();
    const h2 = await j2.attach();
    const pc = clientPeer();
    const audio = pc.addTransceiver('audio', { direction: 'sendrecv' });
    pc.addTransceiver('video', { direction: 'sendrecv' });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const [head, a, v] = pc.localDescription!.sdp.split(/\r\n(?=m=)/);
    const badVideo = v
      .replace(/^(m=video \d+ \S+) .*$/m, '$1 120')
      .replace(/\r\na=(rtpmap|rtcp-fb|fmtp):[^\r\n]*/g, '')
      .replace(/\r\na=mid:1/, '\r\na=mid:1\r\na=rtpmap:120 nosuchcodec/90000');
    const { reply, transaction } = await j2.message(h2, { audio: true, video: true }, { type: 'offer', sdp: [head, a, badVideo].join('\r\n') });
    assert.equal(reply.janus, 'ack');
    const ev = await j2.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
    assert.match(ev.jsep.sdp, /m=audio [1-9]\d* /);
    assert.match(ev.jsep.sdp, /m=video 0 /);
    await pc.setRemoteDescription(ev.jsep);
    await j2.waitFor((m) => m.janus === 'webrtcup', 8000, 'webrtcup');
    let n = 0;
    onTracks(audio, () => n++);
    const pump = new RtpPump(audio, audio.codecs[0].payloadType!, 100, 960);
    pump.start(50);
    await until(() => n > 20);
    pump.stop();
    assert.ok(n > 20, `audio echoed ${n}`);
    await pc.close();
    j2.close();
  });

  it('an answer when nothing was offered → 469', async () => {
    const r = (await janus.message(handle, {}, { type: 'answer', sdp: base('m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n' + ice + fp) })).reply;
    assert.equal(r.error?.code, 469);
    assert.equal(r.error.reason, 'Unexpected ANSWER (did we offer?)');
  });

  it('EchoTest message errors: no attributes (413), wrong types (413), bad substream (413)', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'Message error: no supported attributes found'],
      [{ audio: 'yes' }, 'Invalid element type (audio should be a boolean)'],
      [{ bitrate: -5 }, 'Invalid element type (bitrate should be a positive integer)'],
      [{ substream: 7 }, 'Invalid element (substream should be 0, 1 or 2)'],
    ];
    for (const [body, error] of cases) {
      const { reply, transaction } = await janus.message(handle, body);
      assert.equal(reply.janus, 'ack');
      const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
      assert.deepEqual(ev.plugindata.data, { echotest: 'event', error_code: 413, error });
    }
  });

  it('garbage UDP, unknown-mid candidates and broken handles leave a running echo untouched', async () => {
    const echo = await echoSession(srv);
    echo.pump.start(50);
    await until(() => echo.received > 10, 5000);
    // candidates for an unknown mid and a bogus candidate line: acked, ignored
    const t1 = await echo.janus.request({ janus: 'trickle', handle_id: echo.handle, candidate: { sdpMid: 'nope', sdpMLineIndex: 5, candidate: 'candidate:1 1 udp 1 10.9.9.9 9 typ host' } });
    assert.equal(t1.janus, 'ack');
    const t2 = await echo.janus.request({ janus: 'trickle', handle_id: echo.handle, candidate: { sdpMid: '0', candidate: 'candidate:garbage' } });
    assert.equal(t2.janus, 'ack');
    // garbage datagrams of all shapes at the server's media port
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const shapes = [Buffer.alloc(0), Buffer.from([0x00, 0x01, 0x00, 0x00]), Buffer.alloc(20, 0x00), Buffer.alloc(200, 0x80), Buffer.alloc(100, 0x16), Buffer.alloc(1400, 0xff)];
    const sent: Array<Promise<void>> = [];
    for (let i = 0; i < 300; i++) {
      const b = i < shapes.length ? shapes[i] : Buffer.from(Array.from({ length: 1 + (i * 37) % 1200 }, (_, k) => (k * 131 + i) & 0xff));
      sent.push(new Promise((r) => sock.send(b, echo.port, '127.0.0.1', () => r())));
    }
    await Promise.all(sent);
    sock.close();
    // a second client on another handle sends malformed and fake SDP meanwhile
    const other = await JanusWs.connect(srv.wsUrl);
    await other.createSession();
    const h2 = await other.attach();
    const bad = await other.message(h2, {}, { type: 'offer', sdp: base('m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n') });
    assert.equal(bad.reply.error?.code, 465);
    other.close();
    const before = echo.received;
    await until(() => echo.received - before > 30);
    assert.ok(echo.received - before > 30, `echo stalled: ${echo.received - before} packets in 5 s`);
    const stillUp = await echo.janus.request({ janus: 'keepalive' });
    assert.equal(stillUp.janus, 'ack');
    assert.equal(echo.janus.events.some((m) => m.janus === 'hangup'), false);
    await echo.close();
  });

  it('detaching a handle with a live PeerConnection frees it (hangup "Detach", then detached)', async () => {
    const echo = await echoSession(srv);
    const r = await echo.janus.request({ janus: 'detach', handle_id: echo.handle });
    assert.equal(r.janus, 'success');
    await echo.janus.waitFor((m) => m.janus === 'detached' && m.sender === echo.handle, 3000, 'detached');
    await echo.close();
  });
});

describe('Media stack: DTLS failure', function () {
  this.timeout(40000);
  let srv: MediaServer;
  before(async () => {
    srv = await startMediaServer();
  });
  after(async () => {
    await srv?.stop();
  });

  it('a peer whose certificate does not match its fingerprint gets a hangup, and the plugin hears it', async () => {
    const janus = await JanusWs.connect(srv.wsUrl);
    await janus.createSession();
    const handle = await janus.attach();
    const pc = clientPeer();
    pc.addTransceiver('audio', { direction: 'sendrecv' });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const sdp = pc.localDescription!.sdp.replace(/a=fingerprint:sha-256 \S+/g, 'a=fingerprint:sha-256 ' + Array(32).fill('00').join(':'));
    const { transaction } = await janus.message(handle, { audio: true }, { type: 'offer', sdp });
    const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
    await pc.setRemoteDescription(ev.jsep);
    const hangup = await janus.waitFor((m) => m.janus === 'hangup' && m.sender === handle, 30000, 'hangup');
    assert.match(hangup.reason, /^(DTLS alert|ICE failed)$/);
    await janus.waitFor((m) => m.janus === 'event' && m.plugindata?.data?.result === 'done', 3000, 'done');
    assert.equal(janus.events.some((m) => m.janus === 'webrtcup'), false);
    const ok = await janus.request({ janus: 'keepalive' });
    assert.equal(ok.janus, 'ack');
    await pc.close();
    janus.close();
  });
});
