/** Request targets and base paths, split the way Janus's web server does. */

export function normalizeBase(p: string): string {
  let b = p.trim();
  if (!b.startsWith('/')) b = `/${b}`;
  while (b.length > 1 && b.endsWith('/')) b = b.slice(0, -1);
  return b;
}

/**
 * The request target as Janus's web server hands it over: the path before `?`, percent-decoded
 * (invalid escapes kept as they are) and cut at a decoded NUL; `#` is an ordinary character.
 */
export function splitTarget(target: string): { path: string; rawPath: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  let query: URLSearchParams;
  try {
    query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
  } catch {
    query = new URLSearchParams();
  }
  const bytes: number[] = [];
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(rawPath.slice(i + 1, i + 3))) {
      bytes.push(parseInt(rawPath.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c & 0xff);
  }
  const nul = bytes.indexOf(0);
  const path = Buffer.from(nul < 0 ? bytes : bytes.slice(0, nul)).toString('latin1');
  return { path, rawPath, query };
}

/**
 * Path components after the base path; undefined when the path is not under it. As Janus: the
 * base itself matches case-insensitively, anything below it must start with `<base>/` exactly;
 * components are split on `/` and kept even when empty (an empty one reads as id 0).
 */
export function splitPath(path: string, base: string): string[] | undefined {
  if (base === '/') return path.startsWith('/') ? (path === '/' ? [] : path.slice(1).split('/')) : undefined;
  if (path.toLowerCase() === base.toLowerCase()) return [];
  if (!path.startsWith(`${base}/`)) return undefined;
  const rest = path.slice(base.length + 1);
  return rest === '' ? [] : rest.split('/');
}
