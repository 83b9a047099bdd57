// The scan as text: a header, the protocols, one cipher-suite table per version, groups,
// signature schemes, certificates, features and findings. Colour comes from the palette the caller
// built at its chosen level; every peer-supplied string is escaped before it is printed.

import Table from 'cli-table3';
import { cipherSuites, hexCode, isForwardSecret, label, namedGroups, signatureSchemes, Version, versionName } from '../registry/index.js';
import type { FeatureScan, Finding, GroupScan, ScanResult, Severity, VulnerabilityProbes } from '../scan/types.js';
import { escapeControl } from './escape.js';
import { fitTable } from './fit.js';
import { palette, type Palette } from './palette.js';
import { profileLines } from './scan-profile.js';
import { sessionLines } from './scan-session.js';

export interface ScanRenderOptions {
  color: boolean;
  /** Terminal width; tables fit into it (default 100). */
  width?: number;
}

const ORDER_WORDS: Record<string, string> = {
  server: 'server order',
  client: 'server follows client order',
  single: 'one suite',
};

function yesNo(v: boolean | null, p: Palette, goodWhenTrue = true): string {
  if (v === null) return p.dim('n/a');
  return v === goodWhenTrue ? p.good(v ? 'yes' : 'no') : p.bad(v ? 'yes' : 'no');
}

function severityText(s: Severity, p: Palette): string {
  const text = s.toUpperCase().padEnd(8);
  return s === 'critical' || s === 'high' ? p.bad(text) : s === 'medium' ? p.warn(text) : p.dim(text);
}

/** Marks suites a reader should worry about. */
function suiteColour(code: number, p: Palette): (s: string) => string {
  const s = cipherSuites.get(code);
  if (!s) return (x) => x;
  const enc = s.enc.toUpperCase();
  if (enc === 'NULL' || s.export || s.auth === 'anon' || enc.startsWith('RC4') || /^DES/.test(enc)) return p.bad;
  if (enc.startsWith('3DES') || !isForwardSecret(code)) return p.warn;
  return p.good;
}

function groupLine(g: GroupScan, p: Palette): string {
  const names = g.groups.map((c) => label(namedGroups, c)).join(', ');
  const order = g.order ? p.dim(` (${ORDER_WORDS[g.order] ?? g.order})`) : '';
  return (names || p.dim('none')) + order;
}

function featureRows(f: FeatureScan, p: Palette): Array<[string, string]> {
  return [
    ['ALPN', f.alpn === null ? p.dim('n/a') : f.alpn.length ? f.alpn.map(escapeControl).join(', ') : p.dim('none selected')],
    ['OCSP stapling', yesNo(f.ocspStapling, p)],
    ['Session tickets', yesNo(f.sessionTickets, p)],
    ['Secure renegotiation', yesNo(f.secureRenegotiation, p)],
    ['Extended master secret', yesNo(f.extendedMasterSecret, p)],
    ['Encrypt-then-MAC', f.encryptThenMac === null ? p.dim('n/a (no CBC suites)') : yesNo(f.encryptThenMac, p)],
    [
      'Downgrade protection (TLS_FALLBACK_SCSV)',
      f.fallbackScsv === null ? p.dim('n/a (one version)') : f.fallbackScsv === 'protected' ? p.good('yes') : p.bad('no'),
    ],
    ['TLS 1.3 downgrade sentinel', f.downgradeSentinel === null ? p.dim('n/a') : f.downgradeSentinel === 'present' ? p.good('yes') : p.bad('no')],
    ['Compression', f.compression === null ? p.dim('n/a') : f.compression.length === 0 ? p.good('none') : p.bad(f.compression.map((m) => (m === 1 ? 'DEFLATE' : `method ${m}`)).join(', '))],
  ];
}

export function renderScanText(r: ScanResult, opts: ScanRenderOptions): string {
  const p = palette(opts.color);
  const width = Math.max(60, opts.width ?? 100);
  // A terminal's width (or COLUMNS) is kept to: words too long for a column are broken.
  const hard = opts.width !== undefined;
  const sections = [
    headerLines(r, p),
    protocolLines(r, p),
    ...[...r.versions].reverse().filter((v) => v.supported).map((v) => suiteLines(v, p, width, hard)),
    groupLines(r, p),
    signatureSchemeLines(r, p),
    certificateLines(r, p),
    featureLines(r, p, width, hard),
    probeLines(r.probes, p),
    sessionLines(r.session, p),
    findingLines(r, p),
    profileLines(r.mozilla, p, (f) => findingLine(f, p)),
  ].filter((lines) => lines.length > 0);
  if (r.notes.length > 0) sections.push(r.notes.map((n) => p.dim(`note: ${escapeControl(n)}`)));
  return sections.map((lines) => lines.join('\n')).join('\n\n') + '\n';
}

function headerLines(r: ScanResult, p: Palette): string[] {
  const t = r.target;
  const hostPort = t.host.includes(':') ? `[${escapeControl(t.host)}]:${t.port}` : `${escapeControl(t.host)}:${t.port}`;
  return [
    p.heading(`Scan of ${hostPort}`) +
      (t.proxy ? ` (through proxy ${escapeControl(t.proxy)}, which resolved the name)` : t.address !== t.host ? ` (${t.address})` : '') +
      p.dim(` — SNI ${t.servername ? escapeControl(t.servername) : 'none'}, ${(r.durationMs / 1000).toFixed(2)} s, ${r.stats.connections} connections (${r.stats.probes} probes, ${r.stats.nodeHandshakes} full handshakes)`),
    ...starttlsLines(r, p),
  ];
}

/** Through STARTTLS: which protocol, and what the server offered before TLS. */
function starttlsLines(r: ScanResult, p: Palette): string[] {
  const s = r.starttls;
  if (!s) return [];
  const caps = s.capabilities.length > 0 ? s.capabilities.slice(0, 30).map(escapeControl).join(', ') + (s.capabilities.length > 30 ? ', …' : '') : 'none listed';
  const required = s.starttlsRequired === true ? p.good('required') : s.starttlsRequired === false ? p.warn('not required') : p.dim('required or not: cannot tell from the dialogue');
  return [`  ${p.dim('through STARTTLS')} ${s.protocol} (every probe repeats the plaintext dialogue) · TLS ${required}`, `  ${p.dim('before TLS')}       ${caps}`];
}

function protocolLines(r: ScanResult, p: Palette): string[] {
  const out = [p.heading('Protocols'), `  ${'SSL 2.0'.padEnd(8)} ${r.ssl2 === null ? p.dim('not tested') : r.ssl2 ? p.bad('yes') : p.good('no')}`];
  for (const v of r.versions) {
    const name = versionName(v.version).padEnd(8);
    const old = v.version <= Version.TLS11;
    const state = v.supported ? (old ? p.bad('yes') : p.good('yes')) : v.version >= Version.TLS12 ? p.warn('no') : p.good('no');
    out.push(`  ${name} ${state}${!v.supported && v.refusal ? p.dim(`  (${escapeControl(v.refusal)})`) : ''}`);
  }
  return out;
}

function suiteLines(v: ScanResult['versions'][number], p: Palette, width: number, hard: boolean): string[] {
  const title = p.heading(`Cipher suites — ${versionName(v.version)}`) + p.dim(` (${v.suites.length}; ${ORDER_WORDS[v.order ?? ''] ?? 'order unknown'})`);
  const head = ['#', 'Suite', 'Code', 'Key exchange', 'Bits'].map((h) => p.heading(h));
  const rows = v.suites.map((s, i) => {
    const info = cipherSuites.get(s.code);
    const colour = suiteColour(s.code, p);
    // TLS 1.3 suites do not fix the key exchange (the Groups section does).
    const kx = s.group !== undefined ? label(namedGroups, s.group).replace(/ \(0x[0-9a-f]+\)$/, '') : s.dhBits !== undefined ? `DH ${s.dhBits}` : info?.tls13 ? '' : (info?.kx ?? '');
    return [String(i + 1), colour(info?.name ?? 'unknown'), hexCode(s.code), kx, String(info?.bits ?? '')];
  });
  // A suite name is one word: the table wraps the key exchange first and never cuts a name.
  const fitted = fitTable([head, ...rows], width, [3, 1], hard);
  const table = new Table({ head: fitted.rows[0], style: { head: [], border: [], compact: true }, colWidths: fitted.colWidths, wordWrap: true });
  for (const row of fitted.rows.slice(1)) table.push(row);
  return [title, table.toString()];
}

function groupLines(r: ScanResult, p: Palette): string[] {
  const out = [p.heading('Groups')];
  if (r.groups.tls13) {
    out.push(`  TLS 1.3: ${groupLine(r.groups.tls13, p)}`);
    const tc = r.groups.tls13.typicalClient;
    if (tc) {
      out.push(
        `  A client sending x25519 and secp256r1 key shares gets ${label(namedGroups, tc.group)}` +
          (tc.helloRetryRequest ? p.warn(' after a HelloRetryRequest (an extra round trip)') : p.good(' without a HelloRetryRequest')),
      );
    }
  }
  if (r.groups.tls12) out.push(`  TLS ≤1.2 (ECDHE): ${groupLine(r.groups.tls12, p)}`);
  if (!r.groups.tls13 && !r.groups.tls12) out.push(p.dim('  none found (no ECDHE or TLS 1.3)'));
  return out;
}

/** How the TLS 1.3 schemes were found; nothing when TLS 1.3 was not there to scan. */
function tls13Method(r: ScanResult): string {
  if (r.signatureSchemes.tls13 === null) return '';
  return r.signatureSchemes.tls13Method === 'certificate-verify' ? ' (from CertificateVerify)' : ' (full handshakes, one scheme each)';
}

function signatureSchemeLines(r: ScanResult, p: Palette): string[] {
  const sigs = (list: number[] | null): string => (list === null ? p.dim('n/a') : list.length ? list.map((s) => label(signatureSchemes, s)).join(', ') : p.dim('none'));
  return [
    p.heading('Signature schemes'),
    `  TLS 1.2 (from ServerKeyExchange): ${sigs(r.signatureSchemes.tls12)}`,
    `  TLS 1.3${tls13Method(r)}: ${sigs(r.signatureSchemes.tls13)}`,
  ];
}

function certificateLines(r: ScanResult, p: Palette): string[] {
  const out = [p.heading('Certificates')];
  if (r.certificates.length === 0) out.push(p.dim('  none seen'));
  for (const c of r.certificates) {
    out.push(`  ${p.name(escapeControl(c.subject))} — ${c.publicKey.label}, ${c.signatureAlgorithm?.name ?? 'unknown signature'}, expires ${c.notAfter.slice(0, 10)}, chain of ${c.chainLength}`);
    out.push(p.dim(`    issuer ${escapeControl(c.issuer)}; SHA-256 ${c.fingerprint256.slice(0, 16)}…`));
    out.push(p.dim(`    served for: ${c.servedFor.map(escapeControl).join('; ')}`));
  }
  return out;
}

function featureLines(r: ScanResult, p: Palette, width: number, hard: boolean): string[] {
  const features = featureRows(r.features, p);
  const fitted = fitTable(features, width, [0, 1], hard);
  const ft = new Table({ style: { head: [], border: [], compact: true }, colWidths: fitted.colWidths, wordWrap: true });
  for (const row of fitted.rows) ft.push(row);
  return [p.heading('Features'), ft.toString()];
}

const PROBE_NAMES: ReadonlyArray<[keyof VulnerabilityProbes, string]> = [
  ['heartbleed', 'Heartbleed (CVE-2014-0160)'],
  ['ccsInjection', 'CCS injection (CVE-2014-0224)'],
];

/** Every vulnerability probe's verdict and what it saw, not only the ones that became findings. */
function probeLines(probes: VulnerabilityProbes | null | undefined, p: Palette): string[] {
  if (!probes) return [];
  const out = [p.heading('Probes')];
  for (const [key, name] of PROBE_NAMES) {
    const o = probes[key];
    if (!o) {
      out.push(`  ${name}: ${p.dim('not run')}`);
      continue;
    }
    const verdict = o.verdict === 'vulnerable' ? p.bad('VULNERABLE') : o.verdict === 'not-vulnerable' ? p.good('not vulnerable') : p.warn('unknown');
    out.push(`  ${name}: ${verdict} ${p.dim(`— ${escapeControl(o.detail)} (${o.connections} connection${o.connections === 1 ? '' : 's'})`)}`);
  }
  return out;
}

/** A finding as the JSON has it: severity, title, id and CVEs, the reason, then the evidence (its
 * probe only, when its line would repeat the reason word for word, as a Mozilla deviation's does). */
function findingLine(f: Finding, p: Palette): string {
  const ev = f.evidence;
  const same = ev.detail === f.reason && !ev.bytesHex;
  const tags = [f.id, ...(f.cve ?? []), ...(same ? [`evidence: ${ev.probe}`] : [])].join(', ');
  const head = `  ${severityText(f.severity, p)} ${p.name(f.title)} ${p.dim(`[${tags}]`)}: ${escapeControl(f.reason)}`;
  if (same) return head;
  const bytes = ev.bytesHex ? ` — bytes ${ev.bytesHex}` : '';
  return `${head}\n${p.dim(`           evidence (${ev.probe}): ${escapeControl(ev.detail)}${bytes}`)}`;
}

function findingLines(r: ScanResult, p: Palette): string[] {
  const out = [p.heading(`Findings (${r.findings.length})`)];
  if (r.findings.length === 0) out.push(p.good('  nothing to report'));
  for (const f of r.findings) out.push(findingLine(f, p));
  return out;
}

/** One progress line for stderr on a terminal: `[#####.....] 12/30 probes`. */
export function renderScanProgress(done: number, planned: number, probes: number, width = 30): string {
  const frac = planned === 0 ? 0 : Math.min(1, done / planned);
  const filled = Math.round(frac * width);
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${planned} steps, ${probes} probes`;
}
