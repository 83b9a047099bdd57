// Decodes a Capture with tshark — an independent TLS dissector — so tests can compare our decoder
// with Wireshark's field by field. The capture's two streams are written as a pcap (see pcap.ts),
// tshark prints its dissection as JSON, and this module flattens that into records and handshake
// messages with the values the interop test compares.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Capture } from '../../src/capture/types.js';
import type { Direction } from '../../src/decode/types.js';
import { captureToPcap, type PcapOptions } from './pcap.js';

/** Field name → every value tshark showed for it, in order (numbers as tshark printed them). */
export type TsharkFields = Record<string, string[]>;

export interface TsharkExtension {
  type: number;
  /** Declared extension body length. */
  length: number;
  fields: TsharkFields;
}

export interface TsharkHandshake {
  direction: Direction;
  type: number;
  length: number;
  /** Handshake-level fields, not counting those inside extensions. */
  fields: TsharkFields;
  extensions: TsharkExtension[];
}

export interface TsharkRecord {
  direction: Direction;
  /** `tls.record.content_type`, or `opaque_type` for TLS 1.3 protected records. */
  contentType: number;
  version: number;
  length: number;
  /** Handshake messages tshark attached to this record (a message spanning records appears on
   * the record that completes it). */
  handshakes: TsharkHandshake[];
}

export interface TsharkDecodeOptions extends PcapOptions {
  /** Bound on tshark's run; default 20 s. */
  timeoutMs?: number;
  /** NSS key log lines: when given, tshark decrypts and dissects protected records too. */
  keylog?: string[];
}

/** Plain JSON as JSON.parse returns it. */
type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: Json | undefined): Json[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** `0x1302`, `22` → number. */
export function num(s: string | undefined): number {
  return s === undefined ? NaN : Number(s);
}

/** `76:62:d2` → `7662d2` (tshark's byte strings). */
export function hex(s: string | undefined): string {
  return (s ?? '').replaceAll(':', '').toLowerCase();
}

function collect(into: TsharkFields, value: Json, key: string, skip: (v: JsonObject) => boolean): void {
  if (Array.isArray(value)) {
    for (const v of value) collect(into, v, key, skip);
  } else if (isObject(value)) {
    if (skip(value)) return;
    for (const [k, v] of Object.entries(value)) collect(into, v, k, skip);
  } else if (value !== null) {
    (into[key] ??= []).push(String(value));
  }
}

const isExtension = (v: JsonObject): boolean => 'tls.handshake.extension.type' in v;

function readExtensions(value: Json, out: TsharkExtension[]): void {
  if (Array.isArray(value)) {
    for (const v of value) readExtensions(v, out);
    return;
  }
  if (!isObject(value)) return;
  if (isExtension(value)) {
    const fields: TsharkFields = {};
    for (const [k, v] of Object.entries(value)) collect(fields, v, k, () => false);
    out.push({ type: num(fields['tls.handshake.extension.type']?.[0]), length: num(fields['tls.handshake.extension.len']?.[0]), fields });
    return;
  }
  for (const v of Object.values(value)) readExtensions(v, out);
}

function readHandshake(direction: Direction, h: JsonObject): TsharkHandshake {
  const fields: TsharkFields = {};
  for (const [k, v] of Object.entries(h)) collect(fields, v, k, isExtension);
  const extensions: TsharkExtension[] = [];
  readExtensions(h, extensions);
  return { direction, type: num(fields['tls.handshake.type']?.[0]), length: num(fields['tls.handshake.length']?.[0]), fields, extensions };
}

/** Turns tshark's `-T json --no-duplicate-keys` output into records in capture order. */
export function parseTsharkJson(text: string, serverPort: number): TsharkRecord[] {
  const packets = JSON.parse(text) as Json[];
  const records: TsharkRecord[] = [];
  for (const packet of packets) {
    const layers = isObject(packet) && isObject(packet._source) ? packet._source.layers : undefined;
    if (!isObject(layers)) continue;
    const tcp = asArray(layers.tcp).find(isObject);
    const srcPort = tcp ? num(String(tcp['tcp.srcport'])) : NaN;
    const direction: Direction = srcPort === serverPort ? 'server' : 'client';
    for (const tlsLayer of asArray(layers.tls)) {
      if (!isObject(tlsLayer)) continue;
      for (const rec of asArray(tlsLayer['tls.record'])) {
        if (!isObject(rec)) continue;
        const f: TsharkFields = {};
        for (const [k, v] of Object.entries(rec)) if (typeof v === 'string') (f[k] ??= []).push(v);
        const handshakes = asArray(rec['tls.handshake']).filter(isObject).map((h) => readHandshake(direction, h));
        records.push({
          direction,
          contentType: num(f['tls.record.content_type']?.[0] ?? f['tls.record.opaque_type']?.[0]),
          version: num(f['tls.record.version']?.[0]),
          length: num(f['tls.record.length']?.[0]),
          handshakes,
        });
      }
    }
  }
  return records;
}

function run(cmd: string, args: string[], timeoutMs: number, configDir: string): Promise<string> {
  // An empty personal config dir: a developer's Wireshark preferences must not change the result.
  const env = { ...process.env, LC_ALL: 'C', WIRESHARK_CONFIG_DIR: configDir };
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Writes the capture as a pcap, runs tshark over it and returns its records. */
export async function tsharkDecode(capture: Capture, opts: TsharkDecodeOptions = {}): Promise<TsharkRecord[]> {
  const serverPort = opts.serverPort ?? 443;
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-tshark-'));
  try {
    const pcap = path.join(dir, 'capture.pcap');
    writeFileSync(pcap, captureToPcap(capture, { ...opts, serverPort }));
    const args = [
      '-r', pcap,
      '-o', 'tls.desegment_ssl_records:TRUE',
      '-o', 'tcp.desegment_tcp_streams:TRUE',
      '-d', `tcp.port==${serverPort},tls`,
      '-T', 'json', '--no-duplicate-keys',
      '-J', 'tcp tls',
    ];
    if (opts.keylog?.length) {
      const keylogPath = path.join(dir, 'keylog.txt');
      writeFileSync(keylogPath, opts.keylog.join('\n') + '\n');
      args.push('-o', `tls.keylog_file:${keylogPath}`);
    }
    const out = await run('tshark', args, opts.timeoutMs ?? 20_000, dir);
    return parseTsharkJson(out, serverPort);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** All handshake messages in order, flattened out of their records. */
export function tsharkHandshakes(records: TsharkRecord[]): TsharkHandshake[] {
  return records.flatMap((r) => r.handshakes);
}

/** Values of `name` inside the first extension of `type`, as numbers. */
export function extensionNumbers(h: TsharkHandshake, type: number, name: string): number[] {
  return (h.extensions.find((e) => e.type === type)?.fields[name] ?? []).map(num);
}

/**
 * tshark over a capture file as it is (tcpdump's own, for `tls-trace read`), TLS dissected on
 * `serverPort`; with `keylogFile` tshark decrypts too.
 */
export async function tsharkDecodeFile(file: string, serverPort: number, keylogFile?: string): Promise<TsharkRecord[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-tshark-'));
  try {
    // Out-of-order reassembly is off by default in tshark 4.0; a reordered capture needs it.
    const args = ['-r', file, '-o', 'tls.desegment_ssl_records:TRUE', '-o', 'tcp.desegment_tcp_streams:TRUE', '-o', 'tcp.reassemble_out_of_order:TRUE', '-d', `tcp.port==${serverPort},tls`, '-T', 'json', '--no-duplicate-keys', '-J', 'tcp tls'];
    if (keylogFile) args.push('-o', `tls.keylog_file:${keylogFile}`);
    return parseTsharkJson(await run('tshark', args, 20_000, dir), serverPort);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The plaintext of every record tshark decrypted (its "Decrypted TLS" data sources, from `-x`),
 * as hex, in packet order: what tshark's own decryption recovered, byte for byte.
 */
export async function tsharkDecryptedRecords(file: string, serverPort: number, keylogFile: string): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-tshark-'));
  try {
    const args = ['-r', file, '-o', 'tls.desegment_ssl_records:TRUE', '-o', 'tcp.desegment_tcp_streams:TRUE', '-d', `tcp.port==${serverPort},tls`, '-o', `tls.keylog_file:${keylogFile}`, '-x'];
    const out = await run('tshark', args, 20_000, dir);
    const records: string[] = [];
    let current: string[] | undefined;
    for (const line of out.split('\n')) {
      const head = /^(.+) \((\d+) bytes\):$/.exec(line);
      if (head) {
        current = head[1] === 'Decrypted TLS' ? [] : undefined;
        if (current) records.push('');
        continue;
      }
      const row = /^[0-9a-f]{4,} {2}((?:[0-9a-f]{2} ?)+)/.exec(line);
      if (row && current) records[records.length - 1] += row[1].replaceAll(' ', '');
      else if (line.trim() === '') current = undefined;
    }
    return records;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
