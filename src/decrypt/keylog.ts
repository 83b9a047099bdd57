// NSS key log format (what Node's 'keylog' event, browsers and curl write; Wireshark reads it):
// `<LABEL> <client_random hex> <secret hex>` per line, `#` comments. Secrets are keyed by the
// ClientHello random so one file can hold many connections.

import type { CaptureChunk } from '../capture/types.js';
import { clientRandomOfRecord } from '../decode/messages/hello.js';

/** Labels this tool uses; others are kept but ignored. */
export const KeyLogLabel = {
  /** TLS ≤ 1.2 master secret (48 bytes). */
  masterSecret: 'CLIENT_RANDOM',
  clientHandshake: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  serverHandshake: 'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  clientTraffic0: 'CLIENT_TRAFFIC_SECRET_0',
  serverTraffic0: 'SERVER_TRAFFIC_SECRET_0',
  exporter: 'EXPORTER_SECRET',
  clientEarly: 'CLIENT_EARLY_TRAFFIC_SECRET',
  earlyExporter: 'EARLY_EXPORTER_SECRET',
} as const;

export interface KeyLog {
  /** client random (lower-case hex) → label → secret (lower-case hex). */
  byClientRandom: Map<string, Map<string, string>>;
  /** Lines that were not understood, with the reason (1-based line numbers). */
  problems: Array<{ line: number; reason: string }>;
}

const HEX = /^[0-9a-fA-F]+$/;

/** Parses key log text or lines (each may end in a newline, as Node's keylog buffers do). */
export function parseKeyLog(input: string | readonly string[]): KeyLog {
  const lines = typeof input === 'string' ? input.split(/\r?\n/) : input.flatMap((l) => l.split(/\r?\n/));
  const log: KeyLog = { byClientRandom: new Map(), problems: [] };
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    if (parts.length !== 3) {
      log.problems.push({ line: i + 1, reason: `expected 3 fields, found ${parts.length}` });
      return;
    }
    const [label, random, secret] = parts;
    if (!/^[A-Z0-9_]+$/.test(label)) {
      log.problems.push({ line: i + 1, reason: `label "${label.slice(0, 40)}" is not a key log label` }); // escaped once, at output
      return;
    }
    if (!HEX.test(random) || random.length !== 64) {
      log.problems.push({ line: i + 1, reason: 'client random is not 32 bytes of hex' });
      return;
    }
    if (!HEX.test(secret) || secret.length % 2 !== 0 || secret.length < 32) {
      log.problems.push({ line: i + 1, reason: 'secret is not hex' });
      return;
    }
    const key = random.toLowerCase();
    let entry = log.byClientRandom.get(key);
    if (!entry) log.byClientRandom.set(key, (entry = new Map()));
    entry.set(label, secret.toLowerCase());
  });
  return log;
}

/** One key log line, newline-terminated (for writing `--keylog` files). */
export function keyLogLine(label: string, clientRandomHex: string, secretHex: string): string {
  return `${label} ${clientRandomHex} ${secretHex}\n`;
}

/**
 * The secret the key log holds under `label` for the connection whose client stream opens (at
 * offset 0) with a ClientHello record; undefined without such a hello or such a line. Only the
 * lines that can hold it are parsed: parseKeyLog's rules (the last line wins) among them pick the
 * same secret as over the whole log.
 */
export function secretForFirstHello(connection: { chunks: readonly CaptureChunk[]; keylog: readonly string[] }, label: string): Buffer | undefined {
  const first = connection.chunks.find((c) => c.direction === 'client');
  const random = first?.offset === 0 ? clientRandomOfRecord(first.bytes) : undefined;
  if (random === undefined) return undefined;
  const hex = parseKeyLog(connection.keylog.filter((l) => l.includes(label))).byClientRandom.get(random)?.get(label);
  return hex === undefined ? undefined : Buffer.from(hex, 'hex');
}
