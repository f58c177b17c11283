/**
 * VideoRoom recording (janus_videoroom.c): one `.mjr` per publisher stream in the room's `rec_dir`,
 * named `<filename>-<type>-<mindex>` or `videoroom-<room>-user-<id>-<µs>-<type>-<mindex>`.
 * A publisher is recorded when the room records (`record`, `enable_recording`) or it asked to
 * (`record` on join/publish/configure); simulcast publishers are recorded at their best substream.
 */
import { SimulcastContext, type DataPacket, type JsonObject, type Recording, type RtpPacket } from '../../../core/plugin-api';
import type { Publisher } from './publisher';
import type { PublisherStream } from './publisher-stream';

/** Largest packet a simulcast recording copies (as the subscriber streams' buffers). */
const RECORD_BUFFER_SIZE = 1500;

const wallMicros = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** Open a recording for every stream that has none (media up, renegotiation, recording enabled). */
export function startPublisherRecording(pub: Publisher, pli: boolean): void {
  const st = pub.recording;
  for (const ps of pub.streams) {
    if (ps.rec || ps.disabled) continue;
    const codec = ps.type === 'data' ? 'text' : ps.codec?.name;
    if (!codec) continue;
    const name = st.base
      ? `${st.base}-${ps.type}-${ps.mindex}`
      : `videoroom-${pub.room.id}-user-${pub.id}-${wallMicros()}-${ps.type}-${ps.mindex}`;
    let rc: Recording;
    try {
      rc = pub.handle.startRecording({
        dir: pub.room.config.recDir,
        filename: name,
        codec,
        ...(ps.type === 'video' && (codec === 'h264' || codec === 'vp9') && ps.codec?.fmtp ? { fmtp: ps.codec.fmtp } : {}),
        ...(ps.description ? { description: ps.description } : {}),
        failureContext: { room: pub.room.id, id: pub.id, mid: ps.mid },
      });
    } catch {
      continue; // unknown codec: Janus only logs (the core logged it)
    }
    ps.rec = {
      rc,
      ssrc0: 0,
      ...(ps.type === 'video' && ps.simulcast
        ? { sim: new SimulcastContext({ codec, substreams: Math.max(2, ps.substreams), clockRate: ps.clockRate, substream: 2, temporal: 2 }), buf: Buffer.allocUnsafe(RECORD_BUFFER_SIZE) }
        : {}),
    };
    if (pli && ps.type === 'video') pub.handle.sendPli(ps.mindex);
  }
}

/** Close every recording of the publisher (unpublish, hangup, recording disabled). */
export function stopPublisherRecording(pub: Publisher): void {
  for (const ps of pub.streams) {
    if (!ps.rec) continue;
    void ps.rec.rc.close();
    ps.rec = undefined;
  }
}

/** `record`/`filename` on join, publish, configure; `enable_recording` for the whole room. */
export function setPublisherRecording(pub: Publisher, record: boolean | undefined, filename: string | undefined): void {
  const st = pub.recording;
  const prev = st.active;
  if (record !== undefined) st.active = record;
  if (filename !== undefined) st.base = filename;
  if (st.active === prev) return;
  if (!st.active) stopPublisherRecording(pub);
  else if (pub.active) startPublisherRecording(pub, true);
}

/** Media is up or renegotiated: record if the room or the publisher wants it. */
export function publisherMediaRecording(pub: Publisher): void {
  const st = pub.recording;
  if (pub.room.config.record || st.active) {
    startPublisherRecording(pub, false);
    st.active = true;
  }
}

/** PeerConnection gone: files closed; as Janus, the base name is forgotten too. */
export function publisherHangupRecording(pub: Publisher): void {
  stopPublisherRecording(pub);
  pub.recording.base = undefined;
}

/** Hot path: one publisher RTP packet. */
export function recordRtp(pub: Publisher, p: RtpPacket): void {
  const ps: PublisherStream | undefined = pub.byMindex(p.mindex);
  const rec = ps?.rec;
  if (rec === undefined || ps!.muted) return;
  const sim = rec.sim;
  if (sim === undefined) return rec.rc.saveRtp(p.buffer, p.length);
  if (p.substream === 0 && rec.ssrc0 === 0) rec.ssrc0 = p.buffer.readUInt32BE(8);
  // the recording's own copy: the publisher's packet is shared with the fan-out, never rewritten
  const buf = rec.buf!;
  if (sim.relay(p.buffer, p.length, p.substream, performance.now(), buf)) {
    buf.writeUInt32LE(rec.ssrc0, 8); // Janus stores the host-order value: the file has it byte-swapped
    rec.rc.saveRtp(buf, p.length);
  }
  if (sim.needPli) pub.handle.sendPli(p.mindex);
}

export function recordData(pub: Publisher, p: DataPacket): void {
  for (const ps of pub.streams) if (ps.type === 'data' && ps.rec) ps.rec.rc.saveData(p.buffer, p.length);
}

/** `handle_info` per stream: the file being written (Janus's `recording`). */
export function streamRecordingInfo(ps: PublisherStream, out: JsonObject): void {
  if (ps.rec) out.recording = ps.rec.rc.file.slice(ps.rec.rc.file.lastIndexOf('/') + 1);
}
