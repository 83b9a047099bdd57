// Words shared by the describers: lists of code points cut to the per-message cap, byte counts,
// and the `… N more entries not shown` note the text renderers use for any capped list.

import { codePoint } from '../analyse/code-point.js';
import type { CodePoint } from '../analyse/types.js';
import type { Extension } from '../decode/model.js';
import { describe, extensionTypes, type Registry } from '../registry/index.js';
import { TEXT_MAX_ENTRIES_PER_MESSAGE } from '../limits.js';

/** How many names a counted list shows before `+N more`. */
const LIST_HEAD = 4;

/** Resolved code points for a detail, at most TEXT_MAX_ENTRIES_PER_MESSAGE (a list can hold 32,000). */
export function codesOf(registry: Registry, codes: readonly number[], width: 1 | 2 = 2): CodePoint[] {
  return codes.slice(0, TEXT_MAX_ENTRIES_PER_MESSAGE).map((c) => codePoint(registry, c, width));
}

/** `x25519, secp256r1, +3 more`. */
export function names(codes: readonly number[], registry: Registry, width: 1 | 2 = 2): string {
  const shown = codes.slice(0, LIST_HEAD).map((c) => describe(registry, c, width).name);
  const more = codes.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? `, +${more} more` : ''}`;
}

/** `17 suites (+1 GREASE): TLS_AES_128_GCM_SHA256, …, +13 more`. */
export function counted(codes: readonly number[], registry: Registry, noun: string): string {
  const grease = codes.filter((c) => describe(registry, c).grease).length;
  const real = codes.filter((c) => !describe(registry, c).grease);
  return `${real.length} ${noun}${real.length === 1 ? '' : 's'}${grease ? ` (+${grease} GREASE)` : ''}: ${names(real, registry)}`;
}

export function extensionList(exts: readonly Extension[]): string {
  if (exts.length === 0) return 'none';
  return `${exts.length}: ${capped(exts.map((e) => describe(extensionTypes, e.type).name))}`;
}

export function extensionCodes(exts: readonly Extension[]): CodePoint[] {
  return codesOf(extensionTypes, exts.map((e) => e.type));
}

/** `… 64,900 more entries not shown (tls-trace shows at most 100 per message)`. */
export function notShown(count: number): string {
  // Not toLocaleString: its first call loads ICU data (see formatBytes in report/text.ts).
  const digits = String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `… ${digits} more ${count === 1 ? 'entry' : 'entries'} not shown (tls-trace shows at most ${TEXT_MAX_ENTRIES_PER_MESSAGE} per message)`;
}

export function cappedList(items: readonly string[] | undefined): string | undefined {
  return items ? capped(items) : undefined;
}

/** A comma-separated list of at most TEXT_MAX_ENTRIES_PER_MESSAGE items, then what was left out. */
export function capped(items: readonly string[]): string {
  if (items.length <= TEXT_MAX_ENTRIES_PER_MESSAGE) return items.join(', ');
  return `${items.slice(0, TEXT_MAX_ENTRIES_PER_MESSAGE).join(', ')} ${notShown(items.length - TEXT_MAX_ENTRIES_PER_MESSAGE)}`;
}

/** Length in bytes of a hex string from the decoder. */
export function bytesOf(hex: string | undefined): number {
  return hex ? hex.length / 2 : 0;
}

/** `32 bytes 5f3a…` or `empty`, for session ids. */
export function sessionId(hex: string): string {
  return hex ? `${bytesOf(hex)} bytes ${hex}` : 'empty';
}
