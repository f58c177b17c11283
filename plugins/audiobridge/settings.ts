/** The `general` group of janus.plugin.audiobridge.jcfg. */
import * as os from 'node:os';
import type { ConfigView } from '../../core/plugin-api';

export interface AbSettings {
  adminKey?: string;
  lockRtpForward: boolean;
  lockPlayFile: boolean;
  recordTmpExt?: string;
  events: boolean;
  stringIds: boolean;
  rtpPortMin: number;
  rtpPortMax: number;
  /** Address plain-RTP participants are told to send to (and we bind to). */
  localIp: string;
}

const generalKeys = ['admin_key', 'lock_rtp_forward', 'lock_play_file', 'record_tmp_ext', 'events', 'string_ids', 'rtp_port_range', 'local_ip'];

export function readSettings(cfg: ConfigView): AbSettings {
  cfg.warnUnknown('general', generalKeys);
  const nonEmpty = (k: string) => {
    const v = cfg.getString('general', k);
    return v !== undefined && v.length > 0 ? v : undefined;
  };
  let [min, max] = [10000, 60000];
  const range = nonEmpty('rtp_port_range');
  if (range) {
    const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(range);
    if (m) {
      min = Math.max(1, Math.min(Number(m[1]), Number(m[2])));
      max = Math.min(65535, Math.max(Number(m[1]), Number(m[2])));
    }
  }
  return {
    adminKey: nonEmpty('admin_key'),
    lockRtpForward: cfg.getBool('general', 'lock_rtp_forward', false),
    lockPlayFile: cfg.getBool('general', 'lock_play_file', false),
    recordTmpExt: nonEmpty('record_tmp_ext'),
    events: cfg.getBool('general', 'events', true),
    stringIds: cfg.getBool('general', 'string_ids', false),
    rtpPortMin: min,
    rtpPortMax: max,
    localIp: nonEmpty('local_ip') ?? guessLocalIp(),
  };
}

/** First non-internal IPv4 address, as Janus guesses one; loopback when there is none. */
function guessLocalIp(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
