/** One row of the fan-out bench (bench/videoroom-fanout.ts prints it, --json appends it as a line). */
export interface Row {
  label: string;
  client: string;
  quietJoin: boolean;
  n: number;
  /** Subscribers joined in this step (all N, or the new ones with --incremental). */
  joined: number;
  /** Seconds from the first subscriber's attach to the last one's webrtcup. */
  joinSecs: number;
  /** Main thread's event-loop utilisation (mean over the window), ours only. */
  mainUtil: number;
  /** Mean utilisation of the media workers over the window, ours only. */
  workerUtil: number;
  /** Largest event-loop delay of any of our threads, join and window included (ms). */
  maxDelay: number;
  /** Largest ring backlog seen (KB): [to the workers, to the main thread]. */
  ringKB: number[];
  failed: number;
  /** Joined (webrtcup) but no packet within 10 s. */
  silent: number;
  cpuPerPkt: number;
  /** Of cpuPerPkt, the kernel's part (stime: sendmsg, the loopback/veth path, receiving). */
  kernelPerPkt: number;
  /** --idle-secs: server CPU µs per second per connected subscriber while no media flows. */
  idleCpuPerSub: number;
  /** Subscriber processes' CPU µs per received packet (the client's cost). */
  clientCpuPerPkt: number;
  delivery: number;
  p50: number;
  p99: number;
  rss: number;
  cpuPct: number;
  /** 1-minute load average of the machine during the window (other work competes for the cores). */
  load: number;
  /** Share of all cores busy (any process) during the window. */
  busy: number;
}
