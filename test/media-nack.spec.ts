import * as assert from 'node:assert/strict';
import { adminPost, clientPeer, gathered, JanusWs, onTracks, RtpPump, until, startMediaServer, type MediaServer } from './media-support';

/** Loss both ways on the client: the core NACKs what it misses and answers the client's NACKs. */
describe('Media stack: NACKs and retransmissions', function () {
  this.timeout(30000);
  let srv: MediaServer;
  before(async () => {
    srv = await startMediaServer({ 'media.slowlink_threshold': 1 });
  });
  after(async () => {
    await srv?.stop();
  });

  it('recovers 5 % loss in each direction through NACK retransmissions, and reports slow links', async () => {
    const janus = await JanusWs.connect(srv.wsUrl);
    await janus.createSession();
    const handle = await janus.attach();
    const pc = clientPeer({ lossPct: 5 });
    const video = pc.addTransceiver('video', { direction: 'sendrecv' });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const { transaction } = await janus.message(handle, { video: true }, { type: 'offer', sdp: pc.localDescription!.sdp });
    const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
    await pc.setRemoteDescription(ev.jsep);
    await janus.waitFor((m) => m.janus === 'webrtcup', 15000, 'webrtcup');
    const got = new Set<number>();
    onTracks(video, (rtp) => got.add(rtp.payload.readUInt32BE(4)));
    const pump = new RtpPump(video, video.codecs[0].payloadType!, 600, 3000);
    pump.start(100);
    // 300 packets, however long a loaded machine takes to send them
    assert.ok(await until(() => pump.sent >= 300, 20000), `sent only ${pump.sent}`);
    pump.stop();
    await until(() => got.size >= pump.sent * 0.98, 5000);
    // without retransmissions ~10 % would be missing (5 % each way)
    assert.ok(got.size >= pump.sent * 0.98, `echoed ${got.size}/${pump.sent}`);
    // the counters may reach handle_info a little later (media workers report periodically)
    let st: { in: { nacks: number }; out: { nacks: number } } = { in: { nacks: 0 }, out: { nacks: 0 } };
    await until(async () => {
      const info = await adminPost(`${srv.adminUrl}/${janus.session}/${handle}`, { janus: 'handle_info' });
      st = info.info.webrtc.media['0'].stats;
      return st.in.nacks > 0 && st.out.nacks > 0;
    }, 5000, 200);
    assert.ok(st.in.nacks > 0, `we sent no NACK: ${JSON.stringify(st)}`);
    assert.ok(st.out.nacks > 0, `we got no NACK: ${JSON.stringify(st)}`);
    // slowlink_threshold = 1: losses the client causes both ways are reported
    await janus.waitFor((m) => m.janus === 'slowlink', 5000, 'slowlink');
    const slow = janus.events.filter((m) => m.janus === 'slowlink');
    assert.equal(slow[0].mid, '0');
    assert.equal(slow[0].media, 'video');
    assert.equal(typeof slow[0].uplink, 'boolean');
    assert.ok(slow[0].lost >= 1);
    await pc.close();
    janus.close();
  });
});
