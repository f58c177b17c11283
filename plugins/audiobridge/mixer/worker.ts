/**
 * A room's mixer thread: runs RoomMixer every 20 ms on its own clock and posts one batch of
 * RTP packets per tick back to the main thread (transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { RoomMixer } from './room-mixer';
import type { FromMixer, RoomSetup, ToMixer } from './protocol';

const TICK_MS = 20;
const port = parentPort!;
const mixer = new RoomMixer(workerData as RoomSetup);
let stopped = false;
let next = performance.now() + TICK_MS;
let timer: NodeJS.Timeout | undefined;

const post = (m: FromMixer, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer ?? []);
mixer.onFile = (id, started) => post({ op: started ? 'file-started' : 'file-stopped', id });

port.on('message', (m: ToMixer) => {
  try {
    switch (m.op) {
      case 'add':
        mixer.addLeg(m.slot, m.codec, m.settings);
        break;
      case 'update':
        mixer.updateLeg(m.slot, m.settings);
        break;
      case 'remove':
        mixer.removeLeg(m.slot);
        break;
      case 'reset':
        mixer.resetLeg(m.slot);
        break;
      case 'forwarder':
        mixer.setForwarder(m.id, m.codec, m.pt, m.ssrc, m.group, m.alwaysOn);
        break;
      case 'forwarder-remove':
        mixer.removeForwarder(m.id);
        break;
      case 'record':
        mixer.record(m.path, m.finalPath);
        break;
      case 'file':
        mixer.addFile(m.id, m.packets, m.loop, m.group);
        break;
      case 'file-remove':
        mixer.removeFile(m.id);
        break;
      case 'stop':
        stopped = true;
        if (timer) clearTimeout(timer);
        mixer.close();
        post({ op: 'stopped' });
        break;
    }
  } catch (err) {
    post({ op: 'error', text: (err as Error).message });
  }
});

function loop(): void {
  if (stopped) return;
  // ticks run even with nobody to send to: the ring is drained and the recording goes on
  const buf = new ArrayBuffer(Math.max(mixer.maxOutput(), 64));
  const len = mixer.tick(new Uint8Array(buf));
  if (len > 0) post({ op: 'tick', batch: buf, length: len }, [buf]);
  next += TICK_MS;
  const now = performance.now();
  // far behind (the machine stalled us): resynchronise rather than burst
  if (now - next > 10 * TICK_MS) next = now + TICK_MS;
  timer = setTimeout(loop, Math.max(0, next - now));
}
timer = setTimeout(loop, TICK_MS);
