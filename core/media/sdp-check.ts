import { JanusError } from '../plugin-api';

/**
 * Janus's first checks on a client SDP, with its texts (465): it must start with `v=` and have
 * `o=`, `s=` and at least one `m=` line.
 */
export function checkSdpBasics(sdp: string): void {
  if (!sdp.startsWith('v=')) throw new JanusError(465, "Invalid SDP (doesn't start with v=)");
  const has = (p: string) => new RegExp(`^${p}=`, 'm').test(sdp);
  if (!has('o') || !has('s') || !has('m')) throw new JanusError(465, 'Missing mandatory lines (o=, s= or m=)');
}
