// The scan's JSON view: everything in the result, with every code point written as
// `{ value, hex, name }` (so consumers need no registry) and every peer-supplied string escaped.

import { cipherSuites, describe, namedGroups, protocolVersions, signatureSchemes, type Registry, type RegistryEntry } from '../registry/index.js';
import type { ScanResult, Severity } from '../scan/types.js';
import { escapeControl } from './escape.js';

export const SCAN_JSON_FORMAT = 'tls-trace-scan';
export const SCAN_JSON_VERSION = 1;

export interface CodePointJson {
  value: number;
  hex: string;
  name: string;
}

export interface SuiteJson extends CodePointJson {
  openssl?: string;
  kx?: string;
  auth?: string;
  enc?: string;
  mac?: string;
  bits?: number;
  group?: CodePointJson;
  dhBits?: number;
}

export interface ScanJson {
  format: typeof SCAN_JSON_FORMAT;
  version: typeof SCAN_JSON_VERSION;
  target: ScanResult['target'];
  startedAt: string;
  durationMs: number;
  ssl2: boolean | null;
  protocols: Array<{ version: CodePointJson; supported: boolean; order: string | null; refusal: string | null; suites: SuiteJson[] }>;
  groups: {
    tls12: { groups: CodePointJson[]; order: string | null } | null;
    tls13: { groups: CodePointJson[]; order: string | null; typicalClient: { group: CodePointJson; helloRetryRequest: boolean } | null } | null;
  };
  signatureSchemes: { tls12: CodePointJson[] | null; tls13: CodePointJson[] | null; tls13Method: string };
  certificates: ScanResult['certificates'];
  features: ScanResult['features'];
  findings: Array<{ id: string; severity: Severity; title: string; reason: string }>;
  stats: ScanResult['stats'];
  notes: string[];
}

function cp<E extends RegistryEntry>(registry: Registry<E>, value: number): CodePointJson {
  const d = describe(registry, value);
  return { value, hex: d.hex, name: d.name };
}

export function versionJson(value: number): CodePointJson {
  return cp(protocolVersions, value);
}

export function scanToJson(r: ScanResult): ScanJson {
  const e = escapeControl;
  return {
    format: SCAN_JSON_FORMAT,
    version: SCAN_JSON_VERSION,
    target: { ...r.target, host: e(r.target.host), servername: r.target.servername === undefined ? undefined : e(r.target.servername) },
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    ssl2: r.ssl2,
    protocols: r.versions.map((v) => ({
      version: versionJson(v.version),
      supported: v.supported,
      order: v.order ?? null,
      refusal: v.refusal ?? null,
      suites: v.suites.map((s) => {
        const info = cipherSuites.get(s.code);
        const out: SuiteJson = { ...cp(cipherSuites, s.code) };
        if (info) Object.assign(out, { openssl: info.openssl, kx: info.kx, auth: info.auth, enc: info.enc, mac: info.mac, bits: info.bits });
        if (s.group !== undefined) out.group = cp(namedGroups, s.group);
        if (s.dhBits !== undefined) out.dhBits = s.dhBits;
        return out;
      }),
    })),
    groups: {
      tls12: r.groups.tls12 && { groups: r.groups.tls12.groups.map((g) => cp(namedGroups, g)), order: r.groups.tls12.order ?? null },
      tls13: r.groups.tls13 && {
        groups: r.groups.tls13.groups.map((g) => cp(namedGroups, g)),
        order: r.groups.tls13.order ?? null,
        typicalClient: r.groups.tls13.typicalClient
          ? { group: cp(namedGroups, r.groups.tls13.typicalClient.group), helloRetryRequest: r.groups.tls13.typicalClient.helloRetryRequest }
          : null,
      },
    },
    signatureSchemes: {
      tls12: r.signatureSchemes.tls12 && r.signatureSchemes.tls12.map((s) => cp(signatureSchemes, s)),
      tls13: r.signatureSchemes.tls13 && r.signatureSchemes.tls13.map((s) => cp(signatureSchemes, s)),
      tls13Method: 'node-tls-sigalgs: one full Node handshake per scheme with sigalgs restricted to it',
    },
    certificates: r.certificates.map((c) => ({
      ...c,
      subject: e(c.subject),
      issuer: e(c.issuer),
      subjectAltName: c.subjectAltName === undefined ? undefined : e(c.subjectAltName),
      servedFor: c.servedFor.map(e),
    })),
    features: { ...r.features, alpn: r.features.alpn && r.features.alpn.map(e) },
    findings: r.findings.map((f) => ({ ...f, reason: e(f.reason) })),
    stats: r.stats,
    notes: r.notes.map(e),
  };
}
