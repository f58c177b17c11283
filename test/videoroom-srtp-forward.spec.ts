import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import { RtpPacket, SrtpSession } from 'werift';
import { SrtpReceiver } from '../core/plugin-api/srtp';
import { sleep } from './media-support';
import { publisher, pump, startInstance, sync, until, type Instance, type Msg, type Pub } from './videoroom-remote-support';

/** A UDP target that keeps every datagram it gets. */
class Target {
  readonly sock = dgram.createSocket('udp4');
  readonly got: Buffer[] = [];
  from?: dgram.RemoteInfo;
  port = 0;
  async open(): Promise<this> {
    this.sock.on('message', (m, r) => {
      this.got.push(m);
      this.from = r;
    });
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', () => r()));
    this.port = this.sock.address().port;
    return this;
  }
  close(): void {
    this.sock.close();
  }
}

const tagOf = (rtp: RtpPacket) => (rtp.payload.length >= 12 ? rtp.payload.readUInt32BE(4) : -1);

describe('videoroom: rtp_forward with SRTP and RTCP feedback', function () {
  this.timeout(60000);
  let a: Instance;
  let pub: Pub;
  const ROOM = 5151;
  const master = randomBytes(30);
  const crypto = master.toString('base64');
  const targets: Target[] = [];
  const target = async () => {
    const t = await new Target().open();
    targets.push(t);
    return t;
  };

  before(async () => {
    a = await startInstance(2);
    await sync(a, { request: 'create', room: ROOM, fir_freq: 0 });
    pub = await publisher(a.wsUrl, ROOM, 9);
    pump(pub);
  });
  after(async () => {
    for (const x of pub?.pumps ?? []) x.stop();
    await pub?.pc.close();
    for (const t of targets) t.close();
    await a?.stop();
  });

  it('streams form, suite 80: werift decrypts what we forward (audio and video, SSRC/pt rewritten)', async () => {
    const ta = await target();
    const tv = await target();
    const mids = Object.fromEntries(pub.streams.map((s: Msg) => [s.type, s.mid]));
    const r = await sync(a, {
      request: 'rtp_forward', room: ROOM, publisher_id: 9, host: '127.0.0.1', srtp_suite: 80, srtp_crypto: crypto,
      streams: [{ mid: mids.audio, port: ta.port, ssrc: 1111, pt: 100 }, { mid: mids.video, port: tv.port, ssrc: 2222 }],
    });
    assert.equal(r.videoroom, 'rtp_forward', JSON.stringify(r));
    assert.equal(r.forwarders.length, 2);
    for (const f of r.forwarders) assert.equal(f.srtp, true);
    await until(() => ta.got.length > 30 && tv.got.length > 30, `SRTP arrives (${ta.got.length}, ${tv.got.length})`);
    const keys = { localMasterKey: master.subarray(0, 16), localMasterSalt: master.subarray(16), remoteMasterKey: master.subarray(0, 16), remoteMasterSalt: master.subarray(16) };
    for (const [t, tag, ssrc] of [[ta, 91, 1111], [tv, 92, 2222]] as const) {
      const session = new SrtpSession({ keys, profile: 1 });
      let ok = 0;
      for (const b of t.got.slice(0, 30)) {
        assert.notEqual(tagOf(RtpPacket.deSerialize(b)), tag, 'payload is encrypted on the wire');
        const rtp = RtpPacket.deSerialize(session.decrypt(b));
        assert.equal(rtp.header.ssrc, ssrc);
        if (tagOf(rtp) === tag) ok++;
      }
      assert.equal(ok, 30, `all decrypted packets carry the publisher's tag ${tag}`);
    }
    assert.equal(RtpPacket.deSerialize(new SrtpSession({ keys, profile: 1 }).decrypt(ta.got[0])).header.payloadType, 100);
    const list = await sync(a, { request: 'listforwarders', room: ROOM });
    assert.ok(list.publishers[0].forwarders.every((f: Msg) => f.srtp === true));
    for (const f of r.forwarders) await sync(a, { request: 'stop_rtp_forward', room: ROOM, publisher_id: 9, stream_id: f.stream_id });
  });

  it('0.x form, suite 32: audio_port / video_port (+ video_port_2), decrypted with the 32-bit tag', async () => {
    const ta = await target();
    const tv = await target();
    const tv2 = await target();
    const r = await sync(a, { request: 'rtp_forward', room: ROOM, publisher_id: 9, host: '127.0.0.1', srtp_suite: 32, srtp_crypto: crypto, audio_port: ta.port, video_port: tv.port, video_port_2: tv2.port });
    assert.equal(r.rtp_stream.audio, ta.port, JSON.stringify(r));
    assert.equal(r.rtp_stream.video, tv.port, JSON.stringify(r));
    assert.equal(r.rtp_stream.video_2, tv2.port, JSON.stringify(r));
    assert.equal(r.rtp_stream.warning, 'deprecated_api');
    await until(() => ta.got.length > 20 && tv.got.length > 20, 'SRTP_32 arrives');
    for (const [t, tag] of [[ta, 91], [tv, 92]] as const) {
      const rx = new SrtpReceiver(master, 32);
      for (const b of t.got.slice(0, 20)) {
        const n = rx.unprotectRtp(b, b.length);
        assert.ok(n > 0, 'authenticates with the 4-byte tag');
        assert.equal(tagOf(RtpPacket.deSerialize(b.subarray(0, n))), tag);
      }
    }
    // not simulcasting: nothing for substream 1
    assert.equal(tv2.got.length, 0);
    for (const id of [r.rtp_stream.audio_stream_id, r.rtp_stream.video_stream_id, r.rtp_stream.video_stream_id_2]) {
      await sync(a, { request: 'stop_rtp_forward', room: ROOM, publisher_id: 9, stream_id: id });
    }
  });

  it("bad SRTP suite: 430; undecodable srtp_crypto: Janus 1.1.2's quiet success with no forwarder", async () => {
    const t = await target();
    assert.deepEqual(await sync(a, { request: 'rtp_forward', room: ROOM, publisher_id: 9, host: '127.0.0.1', srtp_suite: 33, srtp_crypto: crypto, audio_port: t.port }), { videoroom: 'event', error_code: 430, error: 'Invalid SRTP suite (33)' });
    const r = await sync(a, { request: 'rtp_forward', room: ROOM, publisher_id: 9, host: '127.0.0.1', srtp_suite: 80, srtp_crypto: 'AAAA', audio_port: t.port });
    assert.deepEqual(r.rtp_stream, { host: '127.0.0.1', warning: 'deprecated_api' });
    assert.deepEqual((await sync(a, { request: 'listforwarders', room: ROOM })).publishers, []);
  });

  it('rtcp_port: the forwarder latches to the target, and a PLI from there reaches the publisher', async () => {
    const tv = await target();
    const rtcp = await target();
    const mid = pub.streams.find((s: Msg) => s.type === 'video')!.mid;
    const r = await sync(a, { request: 'rtp_forward', room: ROOM, publisher_id: 9, host: '127.0.0.1', streams: [{ mid, port: tv.port, rtcp_port: rtcp.port }] });
    assert.equal(r.forwarders[0].remote_rtcp_port, rtcp.port);
    await until(() => rtcp.got.length >= 2, 'two latching packets on the RTCP port');
    assert.equal(rtcp.got[0]!.length, 12);
    await sleep(500);
    const base = pub.plis;
    const pli = Buffer.alloc(12);
    pli[0] = 0x81;
    pli[1] = 206;
    pli.writeUInt16BE(2, 2);
    pli.writeUInt32BE(1, 4);
    pli.writeUInt32BE(RtpPacket.deSerialize(tv.got[0]).header.ssrc, 8);
    rtcp.sock.send(pli, rtcp.from!.port, '127.0.0.1');
    await until(() => pub.plis > base, 'PLI reached the publisher', 4000);
    const fl = (await sync(a, { request: 'listforwarders', room: ROOM })).publishers[0].forwarders[0];
    assert.ok(fl.local_rtcp_port > 0, JSON.stringify(fl));
  });
});
