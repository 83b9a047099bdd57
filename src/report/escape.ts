// Peer-supplied text (SNI, ALPN, certificate fields, alert text, banners) goes through here before
// it is printed or written to JSON, so a hostile server cannot move the cursor, clear the screen,
// forge output lines or reverse text direction in the user's terminal.

/**
 * C0 controls, DEL and C1 controls become `\xNN`; Unicode format characters that reorder or hide
 * text (bidi overrides and isolates, zero-width characters, BOM, line/paragraph separators) become
 * `\u{XXXX}`; a backslash becomes `\\` so an escaped form cannot be faked by the peer.
 */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    if (ch === '\\') return '\\\\';
    const cp = ch.codePointAt(0) ?? 0;
    if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, '0')}`;
    return `\\u{${cp.toString(16).padStart(4, '0')}}`;
  });
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\\\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/gu;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A JSON-ready copy of `value` with every string escaped as in the text output. JSON.stringify
 * escapes only C0 controls; bidi overrides and C1 controls from a peer would otherwise reach the
 * consumer raw. Bytes become hex, undefined members are dropped, non-finite numbers become null.
 */
export function escapeStrings(value: unknown): JsonValue {
  if (typeof value === 'string') return escapeControl(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => escapeStrings(v));
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'object') {
    const out: { [k: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = escapeStrings(v);
    return out;
  }
  return null;
}

/**
 * The inverse of escapeControl, for text that tls-trace itself escaped into its JSON (`check
 * merge` reads shard NDJSON back): every output escapes once, so read-back text is unescaped first.
 */
export function unescapeControl(text: string): string {
  return text.replace(/\\(\\|x[0-9a-f]{2}|u\{[0-9a-f]{4,6}\})/g, (_m, body: string) => {
    if (body === '\\') return '\\';
    if (body[0] === 'x') return String.fromCharCode(parseInt(body.slice(1), 16));
    return String.fromCodePoint(parseInt(body.slice(2, -1), 16));
  });
}
