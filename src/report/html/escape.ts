// The page's one way to write text: every string, from the peer or our own, goes through `html()`
// exactly once, as it is put into the markup. Data for the page's script goes through
// `scriptJson()`. Nothing else writes text into the page, so a certificate name like
// `<img src=x onerror=…>` stays text, and a bidi override shows as `\u{202e}`.

import { escapeControl, escapeStrings } from '../escape.js';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text for an HTML text node or a quoted attribute value: control, bidi and zero-width characters
 * made visible as in the terminal (escapeControl), then the five HTML specials as entities.
 */
export function html(text: string): string {
  return escapeControl(text).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * JSON for a `<script type="application/json">` block: strings escaped as in `--json`, and `<`, `>`
 * and `&` as `\u003c`-style escapes, so no `</script>` or `<!--` in the data can end or confuse the
 * block. JSON.parse gives the characters back.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(escapeStrings(value)).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

