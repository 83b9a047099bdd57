// Question 1, which protocol versions: one hello per version, all at once, each offering every
// candidate suite, plus an SSL 2.0 hello. A ServerHello for that version means it is supported and
// names the server's first suite, which the suite enumeration starts from. When nothing answered
// at all, the scan cannot say anything about TLS: it stops here and says why, as the trace would.

import { buildSslv2ClientHello, SSL2_CIPHER_SPECS, type ExtensionSpec } from './client-hello-builder.js';
import { SCANNED_VERSIONS, suiteCandidates } from './candidates.js';
import { ScanError, type ScanContext } from './context.js';
import { pickedSuite } from './hello.js';
import type { FollowUp, ProbeResult } from './probe.js';
import { alertDescriptions, describe, Version, versionName } from '../registry/index.js';

export interface VersionsFound {
  /** SSL 2.0: true / false, or null when the probe timed out (settles independently of the rest). */
  ssl2: Promise<boolean | null>;
  /** The first hello's answer per scanned version. */
  firstRounds: Map<number, ProbeResult>;
  supported: number[];
  /** The best version below TLS 1.3 (SSL 3.0 only if nothing better): where TLS ≤ 1.2 questions are asked. */
  best12?: number;
  /** Every candidate suite of `best12`. */
  candidates12: number[];
  has13: boolean;
}

/** Why a version counts as not supported: the alert, or how the connection ended. */
export function refusalOf(r: ProbeResult): string {
  const f = r.flight;
  if (f.alert) return `alert ${describe(alertDescriptions, f.alert.description, 1).name} (${f.alert.description})`;
  if (f.serverHello) return `server answered with ${versionName(f.serverHello.version)}`;
  if (f.notTls) return 'not TLS';
  if (f.problem) return f.problem;
  return r.end === 'answered' ? 'no usable answer' : `connection ${r.end}${r.errorCode ? ` (${r.errorCode})` : ''}`;
}

/** Throws the ScanError that says why no version answered. */
async function explainSilence(ctx: ScanContext, all: readonly ProbeResult[], ssl2Probe: Promise<ProbeResult>): Promise<void> {
  const { address, port } = ctx.target;
  if (all.every((r) => r.end === 'connect-failed')) {
    throw new ScanError('connect', `cannot connect to ${address} port ${port}: ${all[0].errorCode ?? 'refused'}`);
  }
  if (all.every((r) => r.end === 'timeout')) {
    throw new ScanError('timeout', `no answer from ${address} port ${port} within ${ctx.opts.timeoutMs} ms`);
  }
  if (all.some((r) => r.flight.notTls)) throw new ScanError('not-tls', `${address} port ${port} does not speak TLS`);
  // It answered, but not as a server (an echo peer returns our ClientHello): say with what.
  const wrong = all.find((r) => r.flight.notServerAnswer)?.flight.problem;
  if (wrong) throw new ScanError('not-tls', `${address} port ${port}: ${wrong}`);
  if (all.every((r) => r.bytesReceived === 0 && (r.end === 'reset' || r.end === 'closed')) && !(await ssl2Probe).flight.sslv2) {
    throw new ScanError('connect', `${address} port ${port} closed every connection without answering a ClientHello`);
  }
}

export async function scanVersions(ctx: ScanContext): Promise<VersionsFound> {
  const sni = ctx.target.sni;
  const ssl2Probe = ctx.step(ctx.prober.probe(buildSslv2ClientHello(SSL2_CIPHER_SPECS)));
  const firstRounds = new Map<number, ProbeResult>(
    await Promise.all(
      SCANNED_VERSIONS.map(async (v) => [v, await ctx.step(ctx.probe({ version: v, suites: suiteCandidates(v), sni }, { fullFlight: v < Version.TLS13 }))] as const),
    ),
  );
  const supported = SCANNED_VERSIONS.filter((v) => pickedSuite(firstRounds.get(v)!, v) !== undefined);
  if (supported.length === 0) await explainSilence(ctx, [...firstRounds.values()], ssl2Probe);
  const best12 = [...supported].filter((v) => v < Version.TLS13 && v > Version.SSL3).pop() ?? (supported.includes(Version.SSL3) ? Version.SSL3 : undefined);
  return {
    ssl2: ssl2Probe.then((r) => (r.flight.sslv2 ? true : r.end === 'timeout' ? null : false)),
    firstRounds,
    supported,
    best12,
    candidates12: best12 !== undefined ? suiteCandidates(best12) : [],
    has13: supported.includes(Version.TLS13),
  };
}

export interface Best12Probe {
  /** Suites to offer instead of every candidate of the version. */
  suites?: readonly number[];
  /** null: send no SNI. */
  sni?: string | null;
  compression?: number[];
  signals?: number[];
}

/** A probe in the best TLS ≤ 1.2 version, offering all its candidate suites plus extra extensions. */
export function probeBest12(ctx: ScanContext, found: VersionsFound, extra: ExtensionSpec[], more: Best12Probe = {}, followUp?: FollowUp): Promise<ProbeResult> {
  return ctx.probe(
    {
      version: found.best12!,
      suites: more.suites ?? found.candidates12,
      sni: more.sni === null ? undefined : ctx.target.sni,
      extra,
      compression: more.compression,
      signals: more.signals,
    },
    { fullFlight: true },
    followUp,
  );
}
