/** Admin `handle_info` → `plugin_specific` for a VideoRoom handle (Janus's query_session). */
import type { JsonObject } from '../../core/plugin-api';
import type { HandleState } from './handle-state';
import { streamRecordingInfo } from './publisher/recording';

export function querySession(session: HandleState): JsonObject {
  const j: JsonObject = {};
  const pub = session.participant;
  const sub = session.subscriber;
  if (pub) {
    j.type = 'publisher';
    j.room = pub.room.id;
    j.id = pub.id;
    j.private_id = pub.privateId;
    if (pub.display !== undefined) j.display = pub.display;
    j.bitrate = pub.bitrate;
    j.streams = pub.streams.map((s) => {
      const o: JsonObject = { type: s.type, mindex: s.mindex, mid: s.mid };
      if (s.disabled) o.disabled = true;
      if (s.description) o.description = s.description;
      if (s.codec) o.codec = s.codec.name;
      if (s.muted) o.moderated = true;
      if (s.type === 'audio') {
        o['audio-level-dBov'] = s.lastLevel;
        o.talking = s.talking;
      }
      streamRecordingInfo(s, o);
      o.subscribers = s.subscriberCount;
      return o;
    });
  } else if (sub) {
    j.type = 'subscriber';
    j.room = sub.room.id;
    if (sub.owner) j.private_id = sub.owner.privateId;
    j.started = sub.isStarted;
    j.paused = sub.isPaused;
    j.streams = sub.describeStreams();
  }
  j.hangingup = 0;
  j.destroyed = session.destroyed ? 1 : 0;
  return j;
}
