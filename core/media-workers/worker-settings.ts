import { Settings } from '../config/settings';
import { unappliedMediaSettings } from '../media/werift-limits';

/**
 * The settings a media worker runs with: a plain copy of the core's, with `rtp_port_range`
 * split so that workers never race each other for the same UDP port.
 */
export function workerSettings(settings: Settings, index: number, workers: number): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(settings)) as Record<string, unknown>;
  // settings werift cannot honour are warned about once by the main thread; workers get the
  // values werift has anyway, so that N workers (and restarts) do not repeat the warning
  const defaults = new Settings() as unknown as Record<string, unknown>;
  for (const u of unappliedMediaSettings(settings)) {
    const field = u.key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    copy[field] = defaults[field];
  }
  const range = settings.rtpPortRange;
  if (range && workers > 1) {
    const [lo, hi] = range;
    const size = Math.floor((hi - lo + 1) / workers);
    // a range too small to split is shared (werift retries a port that is taken)
    if (size >= 2) copy.rtpPortRange = [lo + index * size, index === workers - 1 ? hi : lo + (index + 1) * size - 1];
  }
  return copy;
}
