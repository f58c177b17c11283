/**
 * Raw HTTP/1.1 requests over a TCP socket: the request target and body go out byte for byte (no
 * URL normalisation by a client library), and the test sees whether the server answered, reset
 * or closed the connection.
 */
import * as net from 'node:net';

export interface RawResult {
  /** 0 when no status line came back. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Parsed body when it is JSON. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** How the exchange ended: the server closed cleanly, reset, or we gave up. */
  end: 'close' | 'reset' | 'timeout';
}

export interface RawOptions {
  method?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export function rawRequest(port: number, target: string, body?: string | Buffer, opts: RawOptions = {}): Promise<RawResult> {
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const method = opts.method ?? (body === undefined ? 'GET' : 'POST');
  const headers = { Host: '127.0.0.1', Connection: 'close', ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) }), ...opts.headers };
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (end: RawResult['end']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      resolve(parseResponse(Buffer.concat(chunks), end));
    };
    const timer = setTimeout(() => finish('timeout'), opts.timeoutMs ?? 5000);
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => finish('reset'));
    s.on('close', () => finish('close'));
    s.write(head);
    if (payload.length) s.write(payload);
  });
}

export function parseResponse(buf: Buffer, end: RawResult['end']): RawResult {
  const text = buf.toString('utf8');
  const sep = text.indexOf('\r\n\r\n');
  const headText = sep < 0 ? text : text.slice(0, sep);
  let body = sep < 0 ? '' : text.slice(sep + 4);
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(headText);
  const headers: Record<string, string> = {};
  for (const line of headText.split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  if (headers['transfer-encoding'] === 'chunked') body = unchunk(body);
  let json: unknown;
  try {
    json = body ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  return { status: m ? Number(m[1]) : 0, headers, body, json, end };
}

function unchunk(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const nl = s.indexOf('\r\n', i);
    if (nl < 0) break;
    const n = parseInt(s.slice(i, nl), 16);
    if (!n) break;
    out += s.slice(nl + 2, nl + 2 + n);
    i = nl + 2 + n + 2;
  }
  return out;
}
