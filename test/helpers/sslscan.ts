// sslscan (the Debian package, 2.0.x) run against a loopback server and read back: its XML report
// for versions, suites, groups, signature schemes, the leaf, renegotiation and Heartbleed, and its
// text report for what the XML leaves out (TLS_FALLBACK_SCSV, compression).

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ecdheOnly, emptyVerdicts, suiteByOpensslName, type Verdicts } from './tool-verdicts.js';

export interface SslscanRun {
  xml: string;
  /** The text report (stdout). */
  text: string;
}

/** `sslscan --no-colour --show-sigs --xml=FILE TARGET`; rejects on a non-zero exit or after 90 s. */
export function runSslscan(target: string, extraArgs: string[] = []): Promise<SslscanRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-sslscan-'));
  const xmlFile = path.join(dir, 'report.xml');
  return new Promise<SslscanRun>((resolve, reject) => {
    execFile('sslscan', ['--no-colour', '--show-sigs', `--xml=${xmlFile}`, ...extraArgs, target], { timeout: 90_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) reject(err);
      else resolve({ xml: readFileSync(xmlFile, 'utf8'), text: stdout });
    });
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

export interface SslscanResult {
  protocols: Map<string, boolean>;
  /** Suites per version name (`TLS 1.2`), in sslscan's listing order. */
  suites: Map<string, number[]>;
  preferred: Map<string, number>;
  /** Key exchange groups per version name. */
  groups: Map<string, number[]>;
  /** Signature schemes per version name (`--show-sigs`). */
  sigs: Map<string, number[]>;
  /** Leaf key (`RSA 2048`) and signature algorithm. */
  leaf?: { key: string; signature: string };
  secureRenegotiation?: boolean;
  /** Per version name: sslscan's Heartbleed verdict. */
  heartbleed: Map<string, boolean>;
  /** Smallest `dhebits` of an accepted suite. */
  dhBits?: number;
  /** Suites whose OpenSSL name the registry maps to another code than sslscan's id (should be none). */
  nameMismatches: string[];
}

const versionName = (kind: string, v: string): string => (kind.toLowerCase() === 'ssl' ? `SSL ${v.includes('.') ? v : `${v}.0`}` : `TLS ${v}`);

function parseCiphers(xml: string, out: SslscanResult): void {
  const dh: number[] = [];
  for (const m of xml.matchAll(/<cipher status="(\w+)" sslversion="(SSL|TLS)v([\d.]+)"([^>]*)\/>/g)) {
    const name = versionName(m[2], m[3]);
    const attrs = m[4];
    const code = Number(/ id="(0x[0-9A-Fa-f]+)"/.exec(attrs)?.[1]);
    const openssl = / cipher="([^"]+)"/.exec(attrs)?.[1] ?? '';
    out.suites.set(name, [...(out.suites.get(name) ?? []), code]);
    if (m[1] === 'preferred') out.preferred.set(name, code);
    if (suiteByOpensslName(openssl) !== code) out.nameMismatches.push(`${openssl} (${attrs.trim()})`);
    const bits = / dhebits="(\d+)"/.exec(attrs);
    if (bits) dh.push(Number(bits[1]));
  }
  if (dh.length) out.dhBits = Math.min(...dh);
}

export function parseSslscanXml(xml: string): SslscanResult {
  const out: SslscanResult = { protocols: new Map(), suites: new Map(), preferred: new Map(), groups: new Map(), sigs: new Map(), heartbleed: new Map(), nameMismatches: [] };
  const add = (map: Map<string, number[]>, version: string, code: string): void => void map.set(version, [...(map.get(version) ?? []), Number(code)]);
  for (const m of xml.matchAll(/<group sslversion="TLSv([\d.]+)"[^>]* id="(0x[0-9A-Fa-f]+)"/g)) add(out.groups, `TLS ${m[1]}`, m[2]);
  for (const m of xml.matchAll(/<connection-signature-algorithm sslversion="TLSv([\d.]+)"[^>]* id="(0x[0-9A-Fa-f]+)"/g)) add(out.sigs, `TLS ${m[1]}`, m[2]);
  const sigAlg = /<signature-algorithm>([^<]+)<\/signature-algorithm>/.exec(xml);
  const pk = /<pk error="false" type="(\w+)" bits="(\d+)"/.exec(xml);
  if (sigAlg && pk) out.leaf = { key: `${pk[1]} ${pk[2]}`, signature: sigAlg[1] };
  for (const m of xml.matchAll(/<protocol type="(ssl|tls)" version="([\d.]+)" enabled="([01])"/g)) out.protocols.set(versionName(m[1], m[2]), m[3] === '1');
  parseCiphers(xml, out);
  const reneg = /<renegotiation supported="([01])" secure="([01])"/.exec(xml);
  // supported="0" means sslscan could not test it (its client ended up in TLS 1.3, which has no
  // renegotiation); only a tested answer is compared.
  if (reneg && reneg[1] === '1') out.secureRenegotiation = reneg[2] === '1';
  for (const m of xml.matchAll(/<heartbleed sslversion="(SSL|TLS)v([\d.]+)" vulnerable="([01])"/g)) out.heartbleed.set(versionName(m[1], m[2]), m[3] === '1');
  return out;
}

/** sslscan's verdicts in the shared shape (groups per version; fallback and compression from the text). */
export function sslscanVerdicts(run: SslscanRun): Verdicts {
  const r = parseSslscanXml(run.xml);
  const v = emptyVerdicts('sslscan');
  v.protocols = r.protocols;
  for (const [name, offered] of r.protocols) if (offered) v.suites.set(name, [...(r.suites.get(name) ?? [])].sort((a, b) => a - b));
  // sslscan lists every group it found, FFDHE included; the shared check is the ECDHE curves.
  for (const [name, codes] of r.groups) v.groups.set(name, ecdheOnly(codes));
  if (r.dhBits !== undefined) v.dhBits = r.dhBits;
  if (r.secureRenegotiation !== undefined) v.flags.set('secureRenegotiation', r.secureRenegotiation);
  if (r.heartbleed.size) v.flags.set('heartbleed', [...r.heartbleed.values()].some(Boolean));
  if (/Server supports TLS Fallback SCSV/.test(run.text)) v.flags.set('fallbackScsv', true);
  else if (/Server does not support TLS Fallback SCSV/.test(run.text)) v.flags.set('fallbackScsv', false);
  // "OpenSSL version does not support compression": sslscan could not test it, so no verdict.
  if (/Compression disabled/.test(run.text)) v.flags.set('compression', false);
  else if (/Compression enabled/.test(run.text)) v.flags.set('compression', true);
  return v;
}
