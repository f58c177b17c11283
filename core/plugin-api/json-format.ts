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

/**
 * Serialise a message for the wire. Never throws: a value that cannot be serialised (a BigInt, a
 * circular structure, a throwing toJSON) gives a Janus 500 error in its place, keeping the
 * `transaction` and `session_id` so the client still gets an answer (use `formatJsonChecked` to
 * learn about it and log).
 */
export function formatJson(value: unknown, style: JsonStyle): string {
  return formatJsonChecked(value, style).text;
}

export function formatJsonChecked(value: unknown, style: JsonStyle): { text: string; error?: Error } {
  try {
    return { text: format(value, style) };
  } catch (err) {
    const m = value as { transaction?: unknown; session_id?: unknown } | null;
    const out: Record<string, unknown> = { janus: 'error' };
    if (typeof m?.session_id === 'number') out.session_id = m.session_id;
    if (typeof m?.transaction === 'string') out.transaction = m.transaction;
    out.error = { code: 500, reason: 'Internal error: the reply could not be serialised' };
    return { text: format(out, style), error: err instanceof Error ? err : new Error(String(err)) };
  }
}

/** Whether a value can be serialised (no BigInt, no cycle); the error says why not. */
export function serialisationError(value: unknown): Error | undefined {
  try {
    JSON.stringify(value);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

function format(value: unknown, style: JsonStyle): string {
  if (style === 'indented') return JSON.stringify(value, null, 3);
  if (style === 'compact') return JSON.stringify(value);
  return plain(value, 0);
}

function plain(v: unknown, depth: number): string {
  // JSON.stringify detects cycles; this walker bounds its depth instead
  if (depth > 4096) throw new TypeError('Converting circular structure to JSON');
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : plain(x, depth + 1))).join(', ')}]`;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) if (x !== undefined) parts.push(`${JSON.stringify(k)}: ${plain(x, depth + 1)}`);
    return `{${parts.join(', ')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
