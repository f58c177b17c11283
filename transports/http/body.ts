/** Reading a POST body as Janus's web server does: a size limit, nothing for an empty body, UTF-8 only. */
import { isUtf8 } from 'node:buffer';
import type * as http from 'node:http';
import { formatJsonChecked, type JanusMessage, type JsonStyle, type ModuleLogger } from '../../core/plugin-api';

/** After a 413, how long the half-closed socket stays before it is dropped (nothing more is read). */
const LINGER_MS = 2000;

export interface BodyOptions {
  maxBody: number;
  json: JsonStyle;
  log: ModuleLogger;
  sendJson(res: http.ServerResponse, body: unknown, status?: number): void;
}

export function readBody(req: http.IncomingMessage, res: http.ServerResponse, opts: BodyOptions, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  // past the limit: answer 413 and close the connection, never read (or buffer) the rest. The
  // answer goes straight on the socket: Node would otherwise read and discard the remaining body
  // to keep the connection alive. We stop reading and half-close at once, so the client sees
  // the 413 and our FIN, and drop the socket shortly after (a reset now could lose the answer).
  const reject = () => {
    tooBig = true;
    chunks.length = 0;
    const sock = req.socket;
    sock.pause();
    const text = formatJsonChecked(errorJson(454, `JSON error: request payload too large (more than ${opts.maxBody} bytes)`), opts.json).text;
    const extra = Object.entries(res.getHeaders()).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}\r\n`).join('');
    sock.end(`HTTP/1.1 413 Payload Too Large\r\n${extra}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    setTimeout(() => sock.destroy(), LINGER_MS).unref();
  };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > opts.maxBody) {
    reject();
    return;
  }
  req.on('data', (c: Buffer) => {
    if (tooBig) return;
    size += c.length;
    if (size > opts.maxBody) {
      reject();
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (tooBig) return;
    if (size === 0) {
      // Janus drops a POST without a payload: no response at all
      res.destroy();
      return;
    }
    const buf = Buffer.concat(chunks);
    // Janus's parser refuses bytes that are not UTF-8; a lenient decode would hide them
    if (!isUtf8(buf)) {
      opts.sendJson(res, errorJson(454, `JSON error: on line 1: unable to decode byte 0x${firstBadByte(buf)}`));
      return;
    }
    try {
      done(buf.toString('utf8'));
    } catch (err) {
      // nothing a request carries may escape this handler: log, answer, keep serving
      opts.log.error({ err }, 'HTTP request handling failed');
      opts.sendJson(res, errorJson(500, 'Internal error handling the request'), 500);
    }
  });
  req.on('error', () => res.destroy());
}

/** The first byte that breaks UTF-8 decoding, in hex (for the error text). */
function firstBadByte(buf: Buffer): string {
  const dec = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = buf.length;
  // the longest valid prefix, by bisection (at most ~log2(n) decodes)
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      dec.decode(buf.subarray(0, mid));
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  let i = lo;
  // a truncated multi-byte sequence at the end of a valid prefix: the byte after it is the culprit
  while (i > 0 && (buf[i - 1] & 0xc0) === 0x80) i--;
  if (i > 0 && buf[i - 1] >= 0xc0) i--;
  return (buf[i] ?? buf[lo] ?? 0).toString(16);
}

export function errorJson(code: number, reason: string): JanusMessage {
  return { janus: 'error', error: { code, reason } };
}
