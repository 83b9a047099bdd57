// Display helpers shared by the decoders: registry labels for code points and safe renderings of
// peer-controlled text. Values stay numbers/hex in Field.value; these only fill Field.display.

import { codePointKinds, label, type CodePointKindName } from '../registry/index.js';
import type { Formatter } from './reader.js';

/** `name (0x…)` for each kind of code point, from the registry's one kind table. */
export const fmt = Object.fromEntries(
  Object.entries(codePointKinds).map(([kind, { registry, width }]) => [kind, (v: number) => label(registry, v, width)]),
) as Record<CodePointKindName, Formatter>;

/**
 * Peer bytes as text, one character per byte (Latin-1), nothing escaped: the model holds the real
 * characters and the report escapes control characters once, at output (src/report/escape.ts).
 * Escaping here as well showed `\\x1b` for a peer's ESC.
 */
export function bytesAsText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Number of significant bits in a big-endian unsigned integer (0 for all zeros). */
export function bitLength(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]));
  }
  return 0;
}

export function byteCount(n: number): string {
  return `${n} byte${n === 1 ? '' : 's'}`;
}
