import type { Plugin } from '../plugin-api';

/** VideoRoom figures for the metrics endpoint (all rooms together: no room id label). */
export interface VideoRoomGauges {
  rooms: number;
  /** Publishers whose PeerConnection is up. */
  publishers: number;
  /** Subscriber handles joined to a room (one per subscription PeerConnection). */
  subscribers: number;
  /** RTP forwarders on publisher streams. */
  forwarders: number;
}

interface VrShape {
  state?: {
    rooms?: Map<unknown, {
      participants?: Map<unknown, { active?: boolean; streams?: Array<{ forwarders?: unknown[] }> }>;
      subscribers?: Set<unknown>;
    }>;
  };
}

/**
 * Reads the VideoRoom plugin's rooms through the read-only `state` it exposes for tests and the
 * Admin API, at scrape time. Shaped loosely on purpose: a plugin built differently yields
 * undefined (no gauges), never an exception in the scrape.
 */
export function videoRoomGauges(plugin: Plugin | undefined): VideoRoomGauges | undefined {
  if (!plugin) return undefined;
  let rooms;
  try {
    rooms = (plugin as unknown as VrShape).state?.rooms;
  } catch {
    return undefined; // not initialised
  }
  if (!(rooms instanceof Map)) return undefined;
  const g: VideoRoomGauges = { rooms: rooms.size, publishers: 0, subscribers: 0, forwarders: 0 };
  for (const room of rooms.values()) {
    g.subscribers += room.subscribers?.size ?? 0;
    for (const p of room.participants?.values() ?? []) {
      if (p.active) g.publishers++;
      for (const s of p.streams ?? []) g.forwarders += s.forwarders?.length ?? 0;
    }
  }
  return g;
}
