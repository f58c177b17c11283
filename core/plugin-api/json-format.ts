/**
 * Janus's three JSON output styles (transport `json` setting):
 * `indented` (3-space indent, the default), `plain` (one line, spaces after `:` and `,`),
 * `compact` (no spaces at all).
 */
export type JsonStyle = 'indented' | 'plain' | 'compact';

export function parseJsonStyle(v: string | undefined, def: JsonStyle = 'indented'): JsonStyle {
  const s = v?.trim().toLowerCase();
  return s === 'indented' || s === 'plain' || s === 'compact' ? s : def;
}

export function formatJson(value: unknown, style: JsonStyle): string {
  if (style === 'indented') return JSON.stringify(value, null, 3);
  if (style === 'compact') return JSON.stringify(value);
  return plain(value);
}

function plain(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : plain(x))).join(', ')}]`;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) if (x !== undefined) parts.push(`${JSON.stringify(k)}: ${plain(x)}`);
    return `{${parts.join(', ')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
