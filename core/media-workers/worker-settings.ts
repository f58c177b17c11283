import type { Settings } from '../config/settings';

/**
 * The settings a media worker runs with: a plain copy of the core's, with `rtp_port_range`
 * split so that workers never race each other for the same UDP port.
 */
export function workerSettings(settings: Settings, index: number, workers: number): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(settings)) as Record<string, unknown>;
  const range = settings.rtpPortRange;
  if (range && workers > 1) {
    const [lo, hi] = range;
    const size = Math.floor((hi - lo + 1) / workers);
    // a range too small to split is shared (werift retries a port that is taken)
    if (size >= 2) copy.rtpPortRange = [lo + index * size, index === workers - 1 ? hi : lo + (index + 1) * size - 1];
  }
  return copy;
}
