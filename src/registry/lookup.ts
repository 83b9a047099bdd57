// One way to turn a code point into words, used by every registry table.

/** An entry of an IANA registry: a code point and its name. */
export interface RegistryEntry {
  code: number;
  name: string;
}

export interface Described {
  code: number;
  /** `0x1301`, zero-padded to the registry's width. */
  hex: string;
  /** IANA name, `GREASE`, or `unknown`. */
  name: string;
  known: boolean;
  grease: boolean;
}

export type Registry<E extends RegistryEntry = RegistryEntry> = ReadonlyMap<number, E>;

export function makeRegistry<E extends RegistryEntry>(entries: readonly E[]): Registry<E> {
  const map = new Map<number, E>();
  for (const e of entries) {
    if (map.has(e.code)) throw new Error(`duplicate code point 0x${e.code.toString(16)} (${e.name})`);
    map.set(e.code, e);
  }
  return map;
}

/** RFC 8701 GREASE values for 16-bit registries: 0x0a0a, 0x1a1a, … 0xfafa. */
export function isGrease16(code: number): boolean {
  return (code & 0x0f0f) === 0x0a0a && (code >> 8) === (code & 0xff);
}

export function hexCode(code: number, width: 1 | 2 | 3 | 4 = 2): string {
  return '0x' + code.toString(16).padStart(width * 2, '0');
}

/**
 * Describes a code point. `greaseAware` registries (cipher suites, extensions, groups, versions,
 * signature schemes, ALPN is not numeric) recognise RFC 8701 GREASE values.
 */
export function describe<E extends RegistryEntry>(
  registry: Registry<E>,
  code: number,
  width: 1 | 2 = 2,
  greaseAware = width === 2,
): Described {
  const hex = hexCode(code, width);
  const entry = registry.get(code);
  if (entry) return { code, hex, name: entry.name, known: true, grease: false };
  if (greaseAware && isGrease16(code)) return { code, hex, name: 'GREASE', known: false, grease: true };
  return { code, hex, name: 'unknown', known: false, grease: false };
}

/** `TLS_AES_128_GCM_SHA256 (0x1301)`, `GREASE (0x2a2a)`, `unknown (0xfe0d)`. */
export function label<E extends RegistryEntry>(registry: Registry<E>, code: number, width: 1 | 2 = 2, greaseAware = width === 2): string {
  const d = describe(registry, code, width, greaseAware);
  return `${d.name} (${d.hex})`;
}

/** Name → entry per registry, built on the first lookup (the first entry of a name wins, as a scan would). */
const nameIndexes = new WeakMap<Registry, ReadonlyMap<string, RegistryEntry>>();

/**
 * The entry whose name is `name` (exact match), for CLI options such as `--groups x25519`. Indexed:
 * the scan's Mozilla profiles resolve ~100 suite names at load, and a walk over the 350-entry suite
 * registry per name was ~2.5 ms of every scan's start-up.
 */
export function byName<E extends RegistryEntry>(registry: Registry<E>, name: string): E | undefined {
  let index = nameIndexes.get(registry);
  if (!index) {
    const built = new Map<string, RegistryEntry>();
    for (const e of registry.values()) if (!built.has(e.name)) built.set(e.name, e);
    nameIndexes.set(registry, built);
    index = built;
  }
  return index.get(name) as E | undefined;
}
