/**
 * Host candidate gathering through the werift adapter (core/media/werift-adapter/gathering.ts):
 * no STUN server is asked unless one is configured (werift fell back to stun.l.google.com), a
 * configured one is, and ports in `rtp_port_range` are handed out from a cursor that skips
 * ports another socket holds and wraps round to freed ones.
 */
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { RTCPeerConnection } from 'werift';
import { iceConnectionOf, installWeriftAdapter } from '../core/media/werift-adapter';

type Pc = InstanceType<typeof RTCPeerConnection>;

function peer(extra: Record<string, unknown> = {}): Pc {
  return new RTCPeerConnection({
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    bundlePolicy: 'max-bundle',
    ...extra,
  } as never);
}

async function offer(pc: Pc): Promise<number[]> {
  pc.addTransceiver('audio', { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const sdp = pc.localDescription!.sdp;
  return [...sdp.matchAll(/a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/g)].map((m) => Number(m[1]));
}

function bound(port = 0): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

describe('media: candidate gathering', function () {
  this.timeout(20000);
  const pcs: Pc[] = [];
  const sockets: dgram.Socket[] = [];
  before(() => installWeriftAdapter());
  afterEach(async () => {
    await Promise.all(pcs.splice(0).map((pc) => pc.close()));
    for (const s of sockets.splice(0)) s.close();
  });

  it('asks no STUN server when none is configured (werift would ask stun.l.google.com)', async () => {
    const pc = peer();
    pcs.push(pc);
    assert.equal((await offer(pc)).length, 1);
    const conn = iceConnectionOf(pc) as unknown as { stunServer?: unknown };
    assert.equal(conn.stunServer, undefined);
    assert.doesNotMatch(pc.localDescription!.sdp, /typ srflx/);
  });

  it('asks the configured STUN server and offers its server-reflexive candidate', async () => {
    const stun = await bound();
    sockets.push(stun);
    let requests = 0;
    stun.on('message', (msg, rinfo) => {
      if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0001) return; // binding request
      requests++;
      // binding success with XOR-MAPPED-ADDRESS 127.0.0.1:(rinfo.port + 1) so it differs from the host candidate
      const res = Buffer.alloc(32);
      res.writeUInt16BE(0x0101, 0);
      res.writeUInt16BE(12, 2);
      msg.copy(res, 4, 4, 20); // cookie + transaction id
      res.writeUInt16BE(0x0020, 20);
      res.writeUInt16BE(8, 22);
      res.writeUInt16BE(0x0001, 24);
      res.writeUInt16BE((rinfo.port + 1) ^ 0x2112, 26);
      res.writeUInt32BE((0x7f000001 ^ 0x2112a442) >>> 0, 28);
      stun.send(res, rinfo.port, rinfo.address);
    });
    const pc = peer({ iceServers: [{ urls: `stun:127.0.0.1:${stun.address().port}` }] });
    pcs.push(pc);
    await offer(pc);
    assert.equal(requests, 1);
    assert.match(pc.localDescription!.sdp, /typ srflx/);
  });

  it('hands out ports in rtp_port_range from a cursor: skips a held port, wraps round to a freed one', async () => {
    // a free stretch of 4 ports
    let lo = 0;
    for (let tries = 0; tries < 50 && !lo; tries++) {
      const base = 20000 + Math.floor(Math.random() * 20000);
      const held: dgram.Socket[] = [];
      try {
        for (let p = base; p < base + 4; p++) held.push(await bound(p));
        lo = base;
      } catch {
        // taken: try another stretch
      }
      for (const s of held) s.close();
    }
    assert.ok(lo, 'no free stretch of 4 ports');
    const range = [lo, lo + 3];
    sockets.push(await bound(lo + 1)); // another process holds one port of the range
    const open = async (): Promise<{ pc: Pc; ports: number[] }> => {
      const pc = peer({ icePortRange: range });
      pcs.push(pc);
      return { pc, ports: await offer(pc) };
    };
    const first = await open();
    assert.deepEqual(first.ports, [lo]);
    await first.pc.close();
    // a port just freed is not handed out again at once (werift's scan from the start would)
    assert.deepEqual((await open()).ports, [lo + 2]);
    const third = await open();
    assert.deepEqual(third.ports, [lo + 3]);
    assert.deepEqual((await open()).ports, [lo], 'wraps round, skipping nothing free');
    // the range is full: the next PeerConnection gets no host candidate (and no crash)
    assert.deepEqual((await open()).ports, []);
    await third.pc.close();
    assert.deepEqual((await open()).ports, [lo + 3], 'skips the held port and the ones in use');
  });
});
