// The trust and clock options shared by `check` and the trace command: --ca (repeatable),
// --no-system-ca, NODE_EXTRA_CA_CERTS and --at. Reading the anchor files is I/O, so it happens
// here in the CLI and the analysis gets a ready TrustStore.

import tls from 'node:tls';
import type { Command } from 'commander';
import { pemToDer } from '../analyse/certificates/parse.js';
import { buildTrustStore, type AnchorOrigin, type TrustStore, type TrustStoreSource } from '../analyse/chain/trust-store.js';
import type { CliContext } from './context.js';
import { UsageError } from '../errors.js';
import { MAX_PEM_FILE_BYTES } from '../limits.js';
import { printError } from './output.js';
import { readInputFile } from './read-file.js';

export interface TrustFlags {
  ca?: string[];
  systemCa?: boolean;
  at?: string;
  /** --ct-log-list: the CT log list SCTs are judged against (src/cli/ct-options.ts reads it). */
  ctLogList?: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Declares --ca, --no-system-ca, --at and --ct-log-list on a command. */
export function addTrustOptions(cmd: Command): Command {
  return cmd
    .option('--ca <file>', 'extra trust anchors (PEM); repeatable', collect)
    .option('--no-system-ca', "do not trust Node's bundled public roots (only --ca and NODE_EXTRA_CA_CERTS)")
    .option('--at <date>', 'validate certificates as of this date (e.g. 2027-01-31) instead of now')
    .option('--ct-log-list <file>', "judge Certificate Transparency SCTs against this log list (Google's v3 log_list.json) instead of the bundled one");
}

/** `--at 2027-01-31` (midnight UTC) or a full ISO 8601 time. */
export function parseAt(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const iso = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
  const t = iso.test(text.trim()) && realDay(text.trim()) ? Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? `${text.trim()}T00:00:00Z` : text.trim()) : NaN;
  if (Number.isNaN(t)) throw new UsageError(`bad --at "${text}": give a date like 2027-01-31 or 2027-01-31T12:00:00Z`);
  return new Date(t);
}

/** The YYYY-MM-DD at the start is a day of the calendar: V8 reads 2027-02-30 as 2027-03-02. */
function realDay(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Node's roots (unless --no-system-ca) + every --ca file + NODE_EXTRA_CA_CERTS, + `extraFiles`. */
export function trustStoreFromFlags(flags: TrustFlags, ctx: CliContext, extraFiles: readonly string[] = []): TrustStore {
  const caFiles = [...(flags.ca ?? []), ...extraFiles];
  const extraCaFile = ctx.env.NODE_EXTRA_CA_CERTS || undefined;
  let extraCa: PemFile | undefined;
  if (extraCaFile) {
    // Node itself warns and carries on when this file cannot be loaded; so do we. Read (and
    // decoded) once here: the store is built from what this read.
    try {
      extraCa = readPemFile(extraCaFile, 'NODE_EXTRA_CA_CERTS');
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      printError(ctx, `warning: ${e.message}; ignored`);
    }
  }
  return loadTrustStore({ system: flags.systemCa ?? true, caFiles, ...(extraCa ? { extraCa } : {}) });
}

/** A PEM file as read, with its certificates' DER. */
interface PemFile {
  file: string;
  pem: string;
  ders: Buffer[];
}

/** A PEM file through the CLI's capped reader; one that holds no certificate is a usage error. */
function readPemFile(file: string, what: string): PemFile {
  const pem = readInputFile(file, { what, maxBytes: MAX_PEM_FILE_BYTES }).toString('utf8');
  const ders = pemToDer(pem);
  if (ders.length === 0) throw new UsageError(`cannot read ${what} ${file}: no PEM certificate in it`);
  return { file, pem, ders };
}

export interface TrustStoreOptions {
  /** Include Node's bundled public roots (default true). */
  system?: boolean;
  /** `--ca` files (PEM, one or more certificates each). */
  caFiles?: string[];
  /** The NODE_EXTRA_CA_CERTS file, if set and readable (read by trustStoreFromFlags). */
  extraCa?: PemFile;
}

const cache = new Map<string, TrustStore>();

/**
 * Loads (once per distinct options) the trust store. Throws a UsageError naming the file when a
 * file cannot be read, is not a regular file, is over MAX_PEM_FILE_BYTES or holds no certificate.
 */
export function loadTrustStore(opts: TrustStoreOptions = {}): TrustStore {
  const key = JSON.stringify([opts.system ?? true, opts.caFiles ?? [], opts.extraCa?.file ?? '']);
  const hit = cache.get(key);
  if (hit) return hit;
  const sources: TrustStoreSource[] = [];
  if (opts.system ?? true) sources.push({ origin: 'system', pem: tls.rootCertificates.join('\n') });
  const add = (read: PemFile, origin: AnchorOrigin): void => {
    sources.push({ origin, pem: read.pem, ders: read.ders, file: read.file });
  };
  for (const f of opts.caFiles ?? []) add(readPemFile(f, '--ca'), 'ca-file');
  if (opts.extraCa) add(opts.extraCa, 'env');
  const store = buildTrustStore(sources);
  cache.set(key, store);
  return store;
}
