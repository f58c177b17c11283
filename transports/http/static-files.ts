/**
 * Static files for the demo pages (`demos_folder`, a janus-ts addition: Janus leaves this to a
 * separate web server). GET/HEAD only, no directory listing, no path outside the folder.
 */
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

/** Where janus.js is looked for when the folder has none (Debian's libjs-janus-gateway). */
const JANUS_JS_FALLBACKS = ['/usr/share/javascript/janus-gateway/janus.js'];

export class StaticFiles {
  readonly root: string;

  constructor(folder: string) {
    this.root = path.resolve(folder);
  }

  /** The file for a URL path, or undefined (missing, outside the folder, not a file). */
  resolve(urlPath: string): string | undefined {
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath);
    } catch {
      return undefined;
    }
    if (rel.includes('\0')) return undefined;
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(this.root, '.' + path.posix.normalize('/' + rel));
    if (file !== this.root && !file.startsWith(this.root + path.sep)) return undefined;
    if (isFile(file)) return file;
    if (path.basename(file) === 'janus.js' && path.dirname(file) === this.root) return JANUS_JS_FALLBACKS.find(isFile);
    return undefined;
  }

  /** Serve `urlPath`; false when there is no such file (the caller answers 404). */
  serve(req: http.IncomingMessage, res: http.ServerResponse, urlPath: string): boolean {
    const file = this.resolve(urlPath);
    if (!file) return false;
    const stat = fs.statSync(file);
    res.writeHead(200, {
      'Content-Type': types[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': stat.size,
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
    return true;
  }
}

function isFile(f: string): boolean {
  try {
    return fs.statSync(f).isFile();
  } catch {
    return false;
  }
}
