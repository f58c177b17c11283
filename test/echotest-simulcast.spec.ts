import * as assert from 'node:assert/strict';
import { RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, usePLI, useSdesMid, useSdesRTPStreamId } from 'werift';
import { gathered, JanusWs, onTracks, until, startMediaServer, type MediaServer } from './media-support';
import { udpRange } from './support/ports';

/**
 * A simulcasting sender (rids h/m/l): the core tags packets with their substream, EchoTest
 * echoes only the chosen one and switches on request, keeping sequence numbers continuous.
 */
describe('EchoTest simulcast', function () {
  this.timeout(30000);
  let srv: MediaServer;
  before(async () => {
    srv = await startMediaServer({ 'media.twcc_period': 0 });
  });
  after(async () => {
    await srv?.stop();
  });

  it('echoes the highest substream, switches to the lowest on request, with continuous sequence numbers', async () => {
    const janus = await JanusWs.connect(srv.wsUrl);
    await janus.createSession();
    const handle = await janus.attach();
    const pc = new RTCPeerConnection({
      iceServers: [],
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' } as never,
      icePortRange: udpRange(4),
      bundlePolicy: 'max-bundle',
      codecs: { video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [usePLI()] })] },
      headerExtensions: { video: [useSdesMid(), useSdesRTPStreamId()] },
    });
    const video = pc.addTransceiver('video', { direction: 'sendrecv' });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    let sdp = pc.localDescription!.sdp;
    const ridExt = Number(/a=extmap:(\d+) urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id/.exec(sdp)![1]);
    sdp = sdp.replace(/(m=video[^]*?)(\r\na=mid:)/, '$1\r\na=rid:h send\r\na=rid:m send\r\na=rid:l send\r\na=simulcast:send h;m;l$2');
    const { transaction } = await janus.message(handle, { video: true }, { type: 'offer', sdp });
    const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
    assert.match(ev.jsep.sdp, /a=simulcast:recv h;m;l/);
    // werift (the client) would treat our recv simulcast as its own receive side: hide it
    await pc.setRemoteDescription({ type: 'answer', sdp: ev.jsep.sdp.replace(/a=(rid|simulcast):[^\r\n]*\r\n/g, '') });
    await janus.waitFor((m) => m.janus === 'webrtcup', 8000, 'webrtcup');

    const got: Array<{ rid: string; seq: number }> = [];
    onTracks(video, (rtp) => got.push({ rid: String.fromCharCode(rtp.payload[8]), seq: rtp.header.sequenceNumber }));
    // like a browser: one SSRC and sequence space per rid (werift's sender cannot simulcast, so
    // packets go straight to its SRTP transport)
    const seqs: Record<string, number> = { h: 100, m: 5000, l: 30000 };
    const ssrcs: Record<string, number> = { h: 1111, m: 2222, l: 3333 };
    const dtls = video.sender.dtlsTransport;
    let n = 0;
    const pt = video.codecs[0].payloadType!;
    const timer = setInterval(() => {
      for (const rid of ['h', 'm', 'l']) {
        const payload = Buffer.alloc(300, 0);
        payload[0] = 0x10; // VP8 start of partition, keyframe
        payload[8] = rid.charCodeAt(0);
        const header = new RtpHeader({ payloadType: pt, sequenceNumber: seqs[rid]++ & 0xffff, timestamp: n * 3000, marker: true, ssrc: ssrcs[rid] });
        header.extension = true;
        header.extensions = [{ id: ridExt, payload: Buffer.from(rid) }];
        void dtls.sendRtp(payload, header);
      }
      n++;
    }, 20);
    await until(() => got.length > 30 && new Set(janus.events.filter((m) => m.janus === 'media' && m.receiving).map((m) => m.substream)).size === 3);
    const subs = new Set(janus.events.filter((m) => m.janus === 'media' && m.receiving).map((m) => m.substream));
    assert.deepEqual([...subs].sort(), [0, 1, 2]);
    const first = got.slice(5);
    assert.ok(first.length > 20);
    assert.deepEqual([...new Set(first.map((g) => g.rid))], ['h']);

    const sw = await janus.message(handle, { substream: 0 });
    await janus.waitFor((m) => m.janus === 'event' && m.transaction === sw.transaction);
    await janus.waitFor((m) => m.janus === 'event' && m.plugindata?.data?.substream === 0, 3000, 'substream switched');
    const mark = got.length;
    await until(() => got.length - mark > 25);
    clearInterval(timer);
    const after = got.slice(mark + 2);
    assert.ok(after.length > 20);
    assert.deepEqual([...new Set(after.map((g) => g.rid))], ['l']);
    // no holes in what the receiver saw, across the switch
    const all = got.slice(5);
    for (let i = 1; i < all.length; i++) assert.equal((all[i].seq - all[i - 1].seq) & 0xffff, 1, `gap at ${i}: ${all[i - 1].seq} → ${all[i].seq}`);
    await pc.close();
    janus.close();
  });
});
