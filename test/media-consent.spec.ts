import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { RTCPeerConnection } from 'werift';
import { MEDIA_PORT } from '../core/media/media-port';
import { CONSENT_PROBATION_MS } from '../core/media/ice-config';
import { WorkerMediaPort } from '../core/media-workers/worker-media-port';
import { onTracks, openVideoEcho, RtpPump, startMediaServer, until, type MediaServer } from './media-support';

/**
 * Consent freshness on the server (issue 16): a loaded server reads the answers to its RFC 7675
 * consent checks late, and werift then failed the PeerConnection 30 s later although the peer
 * was still sending (the VideoRoom publisher lost in join storms). As Janus (libnice keepalives,
 * no consent freshness by default), late answers must not tear down a peer whose traffic still
 * arrives; `nat.ice_keepalive_conncheck = true` keeps werift's strict RFC 7675 behaviour.
 */

/** werift's consent module fields (seconds), read each time its ICE arms a timer. */
const iceBase = require(path.join(path.dirname(require.resolve('werift')), '..', '..', 'ice', 'src', 'iceBase.js')) as { CONSENT_TIMEOUT: number; CONSENT_INTERVAL: number };
const STUN_RESPONSE = 0x100;
/** Beyond the 3 s the server waits for each consent answer (ice-config.ts CONSENT_RESPONSE_WAIT_MS). */
const ANSWER_DELAY_MS = 4000;

/** The client keeps answering the server's checks, but each answer leaves 4 s late. */
function delayConsentAnswers(pc: RTCPeerConnection): () => void {
  const undo: Array<() => void> = [];
  for (const t of pc.iceTransports) {
    const protocols = (t as unknown as { connection: { protocols: Array<{ sendStun(m: { messageClass: number }, a: unknown): Promise<void> }> } }).connection.protocols;
    for (const p of protocols) {
      const send = p.sendStun;
      p.sendStun = (m, a) => {
        if (m.messageClass !== STUN_RESPONSE) return send.call(p, m, a);
        setTimeout(() => void send.call(p, m, a).catch(() => undefined), ANSWER_DELAY_MS);
        return Promise.resolve();
      };
      undo.push(() => (p.sendStun = send));
    }
  }
  return () => undo.forEach((u) => u());
}

function modes(): Array<{ name: string; workers: number }> {
  return [
    { name: 'in-thread (media_workers = 0)', workers: 0 },
    { name: 'media workers (media_workers = 1)', workers: 1 },
  ];
}

for (const mode of modes()) {
  // in-thread the server's werift is this process's: its consent expiry is shortened (30 s in a worker)
  const expirySecs = mode.workers === 0 ? 3 : 30;
  for (const strict of [false, true]) {
    // strict mode only in-thread: in a worker it would be 30 s more of the same werift behaviour
    if (strict && mode.workers > 0) continue;
    describe(`Consent freshness, ${mode.name}${strict ? ', ice_keepalive_conncheck = true' : ''}`, function () {
      this.timeout(120000);
      let ts: MediaServer;
      let consent = 0;
      let interval = 0;
      const open: Array<{ close(): unknown }> = [];
      before(async () => {
        consent = iceBase.CONSENT_TIMEOUT;
        interval = iceBase.CONSENT_INTERVAL;
        iceBase.CONSENT_TIMEOUT = expirySecs;
        // checks every ~1 s, so that the client's own consent (answered at once) outlives a 3 s expiry
        iceBase.CONSENT_INTERVAL = 1;
        ts = await startMediaServer({ 'media.media_workers': mode.workers, ...(strict ? { 'nat.ice_keepalive_conncheck': true } : {}) });
        assert.equal(ts.server.container.resolve(MEDIA_PORT) instanceof WorkerMediaPort, mode.workers > 0);
      });
      after(async () => {
        for (const c of open.splice(0)) await c.close();
        iceBase.CONSENT_TIMEOUT = consent;
        iceBase.CONSENT_INTERVAL = interval;
        await ts?.stop();
      });

      it(strict
        ? 'late consent answers fail the PeerConnection after expiry (RFC 7675, werift\'s behaviour)'
        : 'late consent answers while media still flows: the PeerConnection stays up past consent expiry', async () => {
        const c = await openVideoEcho(ts.wsUrl);
        open.push(c.janus, { close: () => c.pc.close() });
        let echoed = 0;
        onTracks(c.video, () => echoed++);
        const pump = new RtpPump(c.video, c.video.codecs[0].payloadType!, 600, 3000);
        pump.start(50);
        assert.ok(await until(() => echoed > 20, 10000), `no echo (${echoed} packets)`);
        const undo = delayConsentAnswers(c.pc);
        try {
          const hungUp = () => c.janus.events.some((m) => m.janus === 'hangup');
          // expiry (+ the probation) with margin: the consent cycle starts at connection, checks are 4-6 s apart
          const waitMs = expirySecs * 1000 + CONSENT_PROBATION_MS + 12000;
          if (strict) {
            assert.ok(await until(hungUp, waitMs), 'the PeerConnection was never failed');
            const h = c.janus.events.find((m) => m.janus === 'hangup')!;
            assert.equal(h.reason, 'ICE failed');
            return;
          }
          assert.equal(await until(hungUp, waitMs), false, `torn down: ${JSON.stringify(c.janus.events.find((m) => m.janus === 'hangup'))}`);
          // still a working call: the echo keeps coming back
          const before = echoed;
          assert.ok(await until(() => echoed > before + 20, 10000), `echo stopped (${echoed} packets)`);
        } finally {
          undo();
          pump.stop();
        }
      });
    });
  }
}
