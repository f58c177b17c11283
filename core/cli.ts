import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ConfigOverrides } from './config/config-store';
import type { Settings } from './config/settings';
import { parsePortRange } from './config/settings';

/** Parsed command line: what to load, and what to override on top of janus.jcfg. */
export interface CliOptions {
  help: boolean;
  version: boolean;
  configsFolder?: string;
  configFile?: string;
  overrides: ConfigOverrides;
  apply: Array<(s: Settings) => void>;
}

interface FlagSpec {
  short?: string;
  long: string;
  arg?: string;
  help: string;
  set?: (s: Settings, v: string) => void;
}

const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);

/** Janus's main flags (same letters), applied after janus.jcfg is read, as Janus does. */
export const flags: FlagSpec[] = [
  { short: 'h', long: 'help', help: 'Print help and exit' },
  { short: 'V', long: 'version', help: 'Print version and exit' },
  { short: 'F', long: 'configs-folder', arg: 'path', help: 'Configuration files folder (default: conf)' },
  { short: 'C', long: 'config', arg: 'filename', help: 'Configuration file to use (default: <configs-folder>/janus.jcfg)' },
  { short: 'd', long: 'debug-level', arg: '0-7', help: 'Debug/logging level (0=disable, 7=maximum debug level)', set: (s, v) => (s.debugLevel = parseInt(v, 10)) },
  { short: 'D', long: 'debug-timestamps', help: 'Log timestamps', set: (s) => (s.debugTimestamps = true) },
  { short: 'o', long: 'disable-colors', help: 'Disable color in the logging', set: (s) => (s.debugColors = false) },
  { short: 'N', long: 'disable-stdout', help: 'Disable stdout based logging', set: (s) => (s.logToStdout = false) },
  { short: 'L', long: 'log-file', arg: 'path', help: 'Log to the specified file', set: (s, v) => (s.logToFile = v) },
  { short: 'p', long: 'pid-file', arg: 'path', help: 'Write a PID file', set: (s, v) => (s.pidFile = v) },
  { short: 'i', long: 'interface', arg: 'ipaddress', help: 'Interface to use (IP address used in SDP)', set: (s, v) => (s.interface = v) },
  { short: 'n', long: 'server-name', arg: 'name', help: 'Public name of this instance', set: (s, v) => (s.serverName = v) },
  { short: 's', long: 'session-timeout', arg: 'seconds', help: 'Session timeout (0 = never)', set: (s, v) => (s.sessionTimeout = parseInt(v, 10)) },
  { short: 'm', long: 'reclaim-session-timeout', arg: 'seconds', help: 'Reclaim session timeout', set: (s, v) => (s.reclaimSessionTimeout = parseInt(v, 10)) },
  { short: 'a', long: 'apisecret', arg: 'randomstring', help: 'API secret all requests need to pass', set: (s, v) => (s.apiSecret = v) },
  { short: 'A', long: 'token-auth', help: 'Enable token-based authentication', set: (s) => (s.tokenAuth = true) },
  { long: 'token-auth-secret', arg: 'randomstring', help: 'Secret to verify HMAC-signed tokens', set: (s, v) => (s.tokenAuthSecret = v) },
  { short: 'e', long: 'event-handlers', help: 'Enable event handlers', set: (s) => (s.eventsBroadcast = true) },
  { short: 'S', long: 'stun-server', arg: 'address:port', help: 'STUN server to use', set: (s, v) => {
    const [h, p] = v.split(':');
    s.stunServer = h;
    if (p) s.stunPort = parseInt(p, 10);
  } },
  { short: '1', long: 'nat-1-1', arg: 'ips', help: 'Public IPs to put in the SDP (1:1 NAT)', set: (s, v) => (s.nat11Mapping = list(v)) },
  { short: 'E', long: 'ice-enforce-list', arg: 'list', help: 'Interfaces/IP prefixes to use for ICE', set: (s, v) => (s.iceEnforceList = list(v)) },
  { short: 'X', long: 'ice-ignore-list', arg: 'list', help: 'Interfaces/IP prefixes to skip for ICE', set: (s, v) => (s.iceIgnoreList = list(v)) },
  { short: '6', long: 'ipv6-candidates', help: 'Gather IPv6 candidates too', set: (s) => (s.ipv6 = true) },
  { short: 'f', long: 'full-trickle', help: 'Trickle our candidates too', set: (s) => (s.fullTrickle = true) },
  { short: 'I', long: 'ice-lite', help: 'ICE Lite mode', set: (s) => (s.iceLite = true) },
  { short: 'Q', long: 'min-nack-queue', arg: 'ms', help: 'Minimum size of the NACK queue', set: (s, v) => (s.minNackQueue = parseInt(v, 10)) },
  { short: 't', long: 'no-media-timer', arg: 'seconds', help: 'Seconds without media before a media event', set: (s, v) => (s.noMediaTimer = parseInt(v, 10)) },
  { short: 'W', long: 'slowlink-threshold', arg: 'count', help: 'Lost packets per second for slowlink events', set: (s, v) => (s.slowlinkThreshold = parseInt(v, 10)) },
  { short: 'r', long: 'rtp-port-range', arg: 'min-max', help: 'Port range for RTP/RTCP', set: (s, v) => (s.rtpPortRange = parsePortRange(v)) },
  { long: 'set', arg: 'file:category.key=value', help: 'Override any config value, e.g. --set janus.transport.http:general.port=18088 (repeatable)' },
];

export class CliError extends Error {}

/** Node's `util.parseArgs` over the table above; values are applied in command-line order. */
export function parseCli(argv: string[]): CliOptions {
  const options: ParseArgsConfig['options'] = {};
  for (const f of flags) options[f.long] = { type: f.arg ? 'string' : 'boolean', multiple: true, ...(f.short ? { short: f.short } : {}) };
  let tokens: NonNullable<ReturnType<typeof parseArgs>['tokens']>;
  try {
    ({ tokens } = parseArgs({ args: argv, options, strict: true, allowPositionals: false, tokens: true }));
  } catch (err) {
    // parseArgs names the option and says what is wrong with it; the rest is advice for another CLI
    throw new CliError(`${(err as Error).message.split('. ')[0]} (see --help)`);
  }
  const out: CliOptions = { help: false, version: false, overrides: {}, apply: [] };
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const spec = flags.find((f) => f.long === t.name)!;
    const value = t.value ?? '';
    switch (spec.long) {
      case 'help': out.help = true; break;
      case 'version': out.version = true; break;
      case 'configs-folder': out.configsFolder = value; break;
      case 'config': out.configFile = value; break;
      case 'set': addOverride(out.overrides, value); break;
      default:
        if (spec.long === 'debug-level' && !/^[0-7]$/.test(value)) throw new CliError('--debug-level must be 0..7');
        out.apply.push((s) => spec.set!(s, value));
    }
  }
  return out;
}

function addOverride(o: ConfigOverrides, spec: string): void {
  const m = /^([^:=]+):([^=]+)=(.*)$/.exec(spec);
  if (!m) throw new CliError(`--set wants file:category.key=value, got '${spec}'`);
  const [, file, key, raw] = m;
  const pkg = file.replace(/\.jcfg$/, '');
  (o[pkg] ??= {})[key] = raw;
}

export function usage(): string {
  const lines = ['Usage: janus-ts [OPTIONS]', ''];
  for (const f of flags) {
    const name = `${f.short ? `-${f.short}, ` : '    '}--${f.long}${f.arg ? `=${f.arg}` : ''}`;
    lines.push(`  ${name.padEnd(44)} ${f.help}`);
  }
  return lines.join('\n');
}
