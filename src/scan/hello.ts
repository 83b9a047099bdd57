// The hellos the scan sends and the one fact every question reads back first: which suite the
// server picked for the version asked. Everything version-specific about a probe hello (SSL 3.0
// without extensions, TLS 1.3's supported_versions and key shares) is decided here once.

import { buildClientHello, type ExtensionSpec } from './client-hello-builder.js';
import { groupCandidates, signatureSchemeCandidates } from './candidates.js';
import { keyShareFor } from './key-shares.js';
import type { ProbeResult } from './probe.js';
import { Group, Suite, Version } from '../registry/index.js';

/** x25519 and secp256r1: the shares a typical browser sends. */
const TYPICAL_SHARES = [Group.x25519, Group.secp256r1];

export interface HelloParams {
  version: number;
  suites: readonly number[];
  groups?: readonly number[];
  /** Groups to send key shares for (TLS 1.3); [] sends an empty key_share. */
  shares?: readonly number[];
  sigs?: readonly number[];
  sni?: string;
  extra?: ExtensionSpec[];
  compression?: number[];
  /** Signalling suites appended after the list (TLS_FALLBACK_SCSV). */
  signals?: number[];
  /** legacy_session_id to offer (a TLS 1.2 session to resume); default empty, 32 bytes for 1.3. */
  sessionId?: Uint8Array;
  /** RFC 5746 §3.5: the client's verify_data of the handshake a renegotiation's hello follows (default: empty, a first handshake). */
  renegotiatedConnection?: Uint8Array;
}

function extensionsFor(p: HelloParams): ExtensionSpec[] {
  const exts: ExtensionSpec[] = [];
  if (p.sni) exts.push({ type: 'server_name', host: p.sni });
  const tls13 = p.version >= Version.TLS13;
  if (tls13) exts.push({ type: 'supported_versions', versions: [Version.TLS13] });
  exts.push({ type: 'supported_groups', groups: p.groups ?? groupCandidates(p.version) });
  if (!tls13) exts.push({ type: 'ec_point_formats', formats: [0, 1, 2] });
  if (p.version >= Version.TLS12) exts.push({ type: 'signature_algorithms', schemes: p.sigs ?? signatureSchemeCandidates() });
  if (tls13) {
    const shares = (p.shares ?? TYPICAL_SHARES).flatMap((g) => {
      const k = keyShareFor(g);
      return k ? [{ group: g, keyExchange: k }] : [];
    });
    exts.push({ type: 'key_share', shares }, { type: 'psk_key_exchange_modes', modes: [1] });
  } else exts.push({ type: 'renegotiation_info', ...(p.renegotiatedConnection ? { renegotiatedConnection: p.renegotiatedConnection } : {}) });
  if (p.extra) exts.push(...p.extra);
  exts.push({ type: 'padding' });
  return exts;
}

export function makeHello(p: HelloParams): Uint8Array {
  // No copy of the (up to ~350) suites unless signals are appended.
  const suites: readonly number[] = p.signals?.length ? [...p.suites, ...p.signals] : p.suites;
  if (p.version === Version.SSL3) {
    // SSL 3.0 hellos carry no extensions; RFC 5746 lets the SCSV stand in for renegotiation_info.
    return buildClientHello({ recordVersion: Version.SSL3, version: Version.SSL3, cipherSuites: [...suites, Suite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV], compressionMethods: p.compression });
  }
  const tls13 = p.version >= Version.TLS13;
  return buildClientHello({
    recordVersion: Version.TLS10,
    version: tls13 ? Version.TLS12 : p.version,
    // A 32-byte legacy session id keeps middlebox-compatible 1.3 servers on their usual path.
    sessionId: p.sessionId ?? (tls13 ? new Uint8Array(32).fill(0x5a) : undefined),
    cipherSuites: suites,
    compressionMethods: p.compression,
    extensions: extensionsFor(p),
  });
}

/** The suite the server picked for `version`, if it accepted that version at all. */
export function pickedSuite(r: ProbeResult, version: number): number | undefined {
  const sh = r.flight.serverHello;
  if (!sh || sh.version !== version) return undefined;
  return sh.cipherSuite;
}
