import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import type { JsonObject } from '../core/plugin-api';
import type { HandleState } from '../plugins/videoroom/handle-state';
import { FakeMedia } from './videoroom-fake-media';
import { until } from './support/wait';
import { offerSdp, pluginSession, rtpPacket, startServer, VrClient, type TestServer } from './videoroom-helpers';

const err = (code: number, error: string) => ({ videoroom: 'event', error_code: code, error });

describe('videoroom: RTP forwarders', function () {
  let ts: TestServer;
  let sock: dgram.Socket;
  let sink = 0;
  const got: Buffer[] = [];
  before(async () => {
    ts = await startServer({ media: new FakeMedia(), videoroomJcfg: 'general: { admin_key = "k"\n lock_rtp_forward = true }\nroom-10: { secret = "s" }\n' });
    sock = dgram.createSocket('udp4');
    sock.on('message', (m) => got.push(m));
    // the OS picks the sink's port
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    sink = sock.address().port;
  });
  after(async () => {
    sock?.close();
    await ts?.stop();
  });

  it('rtp_forward / listforwarders / stop_rtp_forward, with lock_rtp_forward and the 0.x flat form', async () => {
    const c = await VrClient.open(ts.wsUrl);
    try {
      await c.async({ request: 'joinandconfigure', ptype: 'publisher', room: 10, id: 7, display: 'fw' }, { type: 'offer', sdp: offerSdp(7) });
      const st = pluginSession(ts, c) as HandleState;
      ts.plugin.setupMedia(st);
      const base = { request: 'rtp_forward', room: 10, publisher_id: 7, host: '127.0.0.1', secret: 's' };
      assert.deepEqual(await c.sync({ ...base, streams: [{ mid: '1', port: sink }] }), err(429, 'Missing mandatory element (admin_key)'));
      assert.deepEqual(await c.sync({ ...base, admin_key: 'k', secret: 'x', streams: [{ mid: '1', port: sink }] }), err(433, 'Unauthorized (wrong secret)'));
      assert.deepEqual(await c.sync({ ...base, admin_key: 'k', publisher_id: 8, streams: [{ mid: '1', port: sink }] }), err(428, 'No such feed (8)'));
      // as Janus 1.1.2: an unknown mid forwards nothing
      assert.deepEqual(await c.sync({ ...base, admin_key: 'k', streams: [{ mid: '5', port: sink }] }), { videoroom: 'rtp_forward', room: 10, publisher_id: 7, forwarders: [] });
      assert.deepEqual(await c.sync({ ...base, admin_key: 'k', streams: [{ mid: '1' }] }), err(429, 'Missing mandatory element (port)'));
      const r = await c.sync({ ...base, admin_key: 'k', streams: [{ mid: '1', port: sink, ssrc: 1234, pt: 100 }] });
      assert.equal(r.videoroom, 'rtp_forward');
      const fw = (r.forwarders as JsonObject[])[0];
      assert.deepEqual({ ...fw, stream_id: 0 }, { stream_id: 0, type: 'video', host: '127.0.0.1', port: sink, ssrc: 1234, pt: 100 });
      const legacy = await c.sync({ ...base, admin_key: 'k', audio_port: sink });
      assert.equal((legacy.rtp_stream as JsonObject).warning, 'deprecated_api');
      assert.equal((legacy.rtp_stream as JsonObject).audio, sink);
      assert.equal(typeof (legacy.rtp_stream as JsonObject).audio_stream_id, 'number');
      const list = await c.sync({ request: 'listforwarders', room: 10, secret: 's' });
      assert.deepEqual((list.publishers as JsonObject[]).map((p) => [p.publisher_id, p.display, (p.forwarders as unknown[]).length]), [[7, 'fw', 2]]);
      ts.plugin.incomingRtp(st, rtpPacket(1, 500, 9000, 0xabcdef, true));
      ts.plugin.incomingRtp(st, rtpPacket(0, 20, 960, 0xaaaa, false));
      assert.ok(await until(() => got.length >= 2, 2000), `forwarded ${got.length}`);
      assert.equal(got.length, 2);
      assert.equal(got[0].readUInt32BE(8), 1234, 'SSRC rewritten');
      assert.equal(got[0][1] & 0x7f, 100, 'payload type rewritten');
      assert.equal(got[0].readUInt16BE(2), 500);
      assert.equal(got[1].readUInt32BE(8), 0xaaaa, 'no ssrc given: unchanged');
      assert.deepEqual(await c.sync({ request: 'stop_rtp_forward', room: 10, publisher_id: 7, stream_id: 1, admin_key: 'k', secret: 's' }), err(428, 'No such stream (1)'));
      assert.deepEqual(await c.sync({ request: 'stop_rtp_forward', room: 10, publisher_id: 7, stream_id: fw.stream_id, admin_key: 'k', secret: 's' }), { videoroom: 'stop_rtp_forward', room: 10, publisher_id: 7, stream_id: fw.stream_id });
      ts.plugin.incomingRtp(st, rtpPacket(1, 501, 12000, 0xabcdef, true));
      // the audio forwarder still runs: its packet, sent after the video one, bounds the wait for
      // a video packet that must not come
      ts.plugin.incomingRtp(st, rtpPacket(0, 21, 1920, 0xaaaa, false));
      assert.ok(await until(() => got.length >= 3, 2000), `forwarded ${got.length}`);
      assert.deepEqual(got.slice(2).map((b) => b.readUInt32BE(8)), [0xaaaa], 'video stopped, audio still forwarded');
      // unpublishing drops the remaining forwarders
      await c.async({ request: 'unpublish' });
      const after = await c.sync({ request: 'listforwarders', room: 10, secret: 's' });
      assert.deepEqual(after.publishers, []);
    } finally {
      c.close();
    }
  });
});
