// Code points as the analysis and the JSON report carry them: `{ code, hex, name }`.

import { describe, type Registry, type RegistryEntry } from '../registry/index.js';
import type { CodePoint } from './types.js';

export function codePoint<E extends RegistryEntry>(registry: Registry<E>, code: number, width: 1 | 2 = 2): CodePoint {
  const d = describe(registry, code, width);
  return { code: d.code, hex: d.hex, name: d.name };
}

/** `TLS_AES_128_GCM_SHA256 (0x1301)`. */
export function showCodePoint(c: CodePoint): string {
  return `${c.name} (${c.hex})`;
}
