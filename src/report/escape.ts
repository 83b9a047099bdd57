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

/** True when `escapeControl` would change the text. */
export function needsEscape(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return found;
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\\\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/gu;
