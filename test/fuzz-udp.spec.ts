import { strict as assert } from 'node:assert';
import { RtpHeader, RtpPacket } from 'werift';
import { adminPost, sleep, startMediaServer, type MediaServer } from './media-support';
import { AttackedCall, drops } from './udp-call-support';
import { dtls, Rng, rtcp, rtp, sctpGarbage, stun, type StunCredentials } from './udp-fuzz-gen';

/**
 * Issue 10: generated datagrams at an established EchoTest call, from a foreign address and from
 * the validated ICE address (the client's own socket). Deterministic seeds; bounded (about a
 * minute); FUZZ_LONG=1 runs many more seeds and datagrams. After every block: `info` answers
 * within 1 s; at the end of each seed: echoed packets still arrive and there was no hangup.
 */
const LONG = process.env.FUZZ_LONG === '1';
/** FUZZ_SEEDS=1,2,3 replays chosen seeds. */
const SEEDS = process.env.FUZZ_SEEDS ? process.env.FUZZ_SEEDS.split(',').map(Number) : LONG ? Array.from({ length: 50 }, (_, i) => 1000 + i) : Array.from({ length: 8 }, (_, i) => 1 + i);
const PER_BLOCK = LONG ? 2000 : 300;

type Source = 'foreign' | 'peer';
interface Generator {
  name: string;
  sources: Source[];
  make(r: Rng, call: AttackedCall, creds: StunCredentials): Buffer;
}

const allGenerators: Generator[] = [
  { name: 'STUN (bad attributes, lengths, credentials)', sources: ['foreign', 'peer'], make: (r) => stun(r) },
  // authenticated requests with odd attributes: only the peer knows the password
  { name: 'STUN authenticated, odd attributes', sources: ['peer'], make: (r, _c, creds) => stun(r, creds) },
  { name: 'DTLS records', sources: ['foreign', 'peer'], make: (r) => dtls(r) },
  { name: 'RTP (random SSRC)', sources: ['foreign', 'peer'], make: (r) => rtp(r) },
  { name: 'RTP (the stream SSRC)', sources: ['foreign', 'peer'], make: (r, c) => rtp(r, c.ssrc) },
  { name: 'RTCP compounds', sources: ['foreign', 'peer'], make: (r) => rtcp(r) },
  { name: 'SCTP-looking and noise', sources: ['foreign', 'peer'], make: (r) => sctpGarbage(r) },
];

/** FUZZ_ONLY=<substring> narrows the run to matching generators (to bisect a finding). */
const only = process.env.FUZZ_ONLY;
const generators = only ? allGenerators.filter((g) => g.name.includes(only)) : allGenerators;
const withOddRtp = !only || 'authenticated RTP'.includes(only);

describe('Fuzz: UDP datagrams at an established call (issue 10)', function () {
  this.timeout(LONG ? 3_600_000 : 120_000);
  let srv: MediaServer;
  let call: AttackedCall;
  let creds: StunCredentials;

  before(async () => {
    srv = await startMediaServer();
    call = await AttackedCall.open(srv.wsUrl);
    creds = { username: call.stunUsername(), password: /a=ice-pwd:(\S+)/.exec(call.answerSdp)![1] };
  });
  after(async () => {
    await call?.close();
    await srv?.stop();
  });

  for (const seed of SEEDS) {
    it(`seed ${seed}: ${generators.length} generators × ${PER_BLOCK} datagrams from each source`, async () => {
      const r = new Rng(seed);
      const before = drops();
      for (const g of generators) {
        for (const source of g.sources) {
          for (let i = 0; i < PER_BLOCK; i++) {
            const d = g.make(r, call, creds);
            if (source === 'foreign') await call.fromForeign(d);
            else await call.fromPeer(d);
            // let the server read as we go (a full socket buffer would only test the kernel)
            if (i % 25 === 24) await new Promise((res) => setImmediate(res));
          }
          assert.ok(await call.infoWithin(1000), `seed ${seed}, ${g.name} from ${source}: info did not answer within 1 s`);
          assert.ok(!call.hungUp(), `seed ${seed}, ${g.name} from ${source}: the call was hung up: ${call.hangupReason()}`);
        }
      }
      // authenticated RTP with odd headers, through the client's own SRTP sender
      if (withOddRtp) {
        for (let i = 0; i < PER_BLOCK; i++) {
          call.sendRtp(oddRtp(r, call));
          // client and server share this event loop: a burst of thousands would only measure the burst
          if (i % 25 === 24) await new Promise((res) => setImmediate(res));
        }
        assert.ok(await call.infoWithin(1000), `seed ${seed}, authenticated RTP: info did not answer within 1 s`);
      }
      if (!(await call.stillFlowing(20, 10000))) assert.fail(`seed ${seed}: the echo stopped; server stats: ${await mediaStats(srv, call)}`);
      assert.ok(!call.hungUp(), `seed ${seed}: the call was hung up: ${call.hangupReason()}`);
      const after = drops();
      if (generators.some((g) => g.sources.includes('foreign'))) assert.ok(after.foreign_source > before.foreign_source, 'nothing was dropped as foreign: the suite did not reach the screen');
    });
  }
});

/** A valid RTP packet with odd header fields (CSRCs, many extensions, odd payload types). */
function oddRtp(r: Rng, call: AttackedCall): RtpPacket {
  const odd = process.env.FUZZ_ODD ?? 'seq,ts,csrc,ext,payload,marker';
  const extensions = Array.from({ length: odd.includes('ext') ? r.int(16) : 0 }, () => ({ id: 1 + r.int(14), payload: r.bytes(1 + r.int(16)) }));
  const header = new RtpHeader({
    payloadType: r.chance(0.5) ? call.pt : r.int(128),
    // near the stream's own numbers: a jump of more than 2^15 would desynchronise the SRTP
    // rollover counters of the two werift ends, which is the sender breaking its own stream
    sequenceNumber: odd.includes('seq') ? (call.nextSeq + r.int(400) - 200) & 0xffff : call.nextSeq,
    timestamp: odd.includes('ts') ? r.int(0x100000000) : 0,
    marker: odd.includes('marker') ? r.chance(0.5) : false,
    csrc: Array.from({ length: odd.includes('csrc') ? r.int(16) : 0 }, () => r.int(0x100000000)),
    extension: extensions.length > 0,
    extensionProfile: 0xbede,
    extensions,
  });
  return new RtpPacket(header, odd.includes('payload') ? r.bytes(r.pick([0, 1, 20, 900])) : Buffer.alloc(20, 0x10));
}

/** The server's in/out packet counts of the call, twice a second apart (where did the echo stop?). */
async function mediaStats(srv: MediaServer, call: AttackedCall): Promise<string> {
  const once = async () => {
    const info = await adminPost(srv.adminUrl, { janus: 'handle_info', session_id: call.janus.session, handle_id: call.handle });
    const media = info.info?.webrtc?.media ?? {};
    return JSON.stringify(Object.values(media).map((m: any) => [m.stats?.in?.packets, m.stats?.out?.packets]));
  };
  const a = await once();
  await sleep(1000);
  return `${a} then ${await once()} (client sent ${call.pump.sent})`;
}
