// A test PKI for RFC 5280 name constraints, made by `openssl req`/`openssl x509` once per test
// process: a plain root, CAs under it whose nameConstraints the variants exercise, a root that
// carries constraints itself, and one leaf per variant (leaf first, then its CAs, as a server
// sends them). `openssl verify` judges the same files independently.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

interface CaSpec {
  /** nameConstraints value as openssl's config writes it; absent for a CA without constraints. */
  nc?: string;
  /** Extra config sections (dirName constraints). */
  sections?: string;
  /** Issuer: another CA here, or `root`; `self` makes a self-signed root. */
  parent: string;
  /** Subject CN (default `NC <name>`) and key file stem (default `ca`): a self-issued CA reuses its issuer's name with another key. */
  cn?: string;
  key?: string;
}

export interface NcVariant {
  ca: string;
  /** subjectAltName value; absent for none. */
  san?: string;
  /** Subject (openssl -subj); default /CN=leaf. */
  subject?: string;
  /** The name check connects with: a DNS name (servername) or an IP (the target itself). */
  host: string;
  valid: boolean;
  /** The offending name and the CA the reason must name (invalid variants). */
  reason?: RegExp;
  /** The finding is on the constraining CA's row (its constraints cannot be applied), not the leaf's. */
  onCa?: boolean;
}

export const NC_CAS: Record<string, CaSpec> = {
  dns: { nc: 'critical,permitted;DNS:example.test', parent: 'root' },
  dot: { nc: 'critical,permitted;DNS:.example.test', parent: 'root' },
  excl: { nc: 'critical,permitted;DNS:example.test,excluded;DNS:bad.example.test', parent: 'root' },
  ip: { nc: 'critical,permitted;IP:127.0.0.0/255.0.0.0,permitted;IP:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', parent: 'root' },
  ip6x: { nc: 'critical,excluded;IP:fd00::/ff00::', parent: 'root' },
  email: { nc: 'critical,permitted;email:example.test', parent: 'root' },
  dir: { nc: 'critical,permitted;dirName:dir_sect', sections: '[dir_sect]\nO=Example Org\n', parent: 'root' },
  rid: { nc: 'critical,permitted;RID:1.2.3.4', parent: 'root' },
  // Raw DER openssl's config cannot spell: a subtree with maximum 2, and a value that is no NameConstraints.
  minmax: { nc: 'critical,DER:3015a0133011820c6578616d706c652e74657374810102', parent: 'root' },
  broken: { nc: 'critical,DER:020101', parent: 'root' },
  sub: { parent: 'dns' },
  // Self-issued (issuer name = subject name, new key) under `dir`: exempt from dir's constraints (RFC 5280 §6.1.4 (b)).
  dirroll: { parent: 'dir', cn: 'NC dir', key: 'ca2' },
  ncroot: { nc: 'critical,permitted;DNS:example.test', parent: 'self' },
};

const outside = (name: string, ca: string): RegExp => new RegExp(`${name.replace(/[.*]/g, '\\$&')} is not within "CN=NC ${ca}"'s permitted subtrees`);

export const NC_VARIANTS: Record<string, NcVariant> = {
  'dns-sub-ok': { ca: 'dns', san: 'DNS:www.example.test', host: 'www.example.test', valid: true },
  'dns-apex-ok': { ca: 'dns', san: 'DNS:example.test', host: 'example.test', valid: true },
  'dns-case-ok': { ca: 'dns', san: 'DNS:WWW.Example.TEST', host: 'www.example.test', valid: true },
  'dns-wildcard-ok': { ca: 'dns', san: 'DNS:*.example.test', host: 'a.example.test', valid: true },
  'dns-outside': { ca: 'dns', san: 'DNS:www.other.test', host: 'www.other.test', valid: false, reason: outside('DNS:www.other.test', 'dns') },
  'dns-second-outside': { ca: 'dns', san: 'DNS:www.example.test,DNS:www.other.test', host: 'www.example.test', valid: false, reason: outside('DNS:www.other.test', 'dns') },
  'dns-label-boundary': { ca: 'dns', san: 'DNS:badexample.test', host: 'badexample.test', valid: false, reason: outside('DNS:badexample.test', 'dns') },
  'dns-suffix-only': { ca: 'dns', san: 'DNS:example.test.evil.test', host: 'example.test.evil.test', valid: false, reason: outside('DNS:example.test.evil.test', 'dns') },
  'dot-sub-ok': { ca: 'dot', san: 'DNS:a.b.example.test', host: 'a.b.example.test', valid: true },
  'dot-apex': { ca: 'dot', san: 'DNS:example.test', host: 'example.test', valid: false, reason: outside('DNS:example.test', 'dot') },
  'excl-ok': { ca: 'excl', san: 'DNS:www.example.test', host: 'www.example.test', valid: true },
  'excl-sub': { ca: 'excl', san: 'DNS:x.bad.example.test', host: 'x.bad.example.test', valid: false, reason: /DNS:x\.bad\.example\.test is within "CN=NC excl"'s excluded subtree DNS:bad\.example\.test/ },
  'excl-exact': { ca: 'excl', san: 'DNS:BAD.example.test', host: 'bad.example.test', valid: false, reason: /DNS:BAD\.example\.test is within "CN=NC excl"'s excluded subtree/ },
  'cn-only-outside': { ca: 'dns', subject: '/CN=www.other.test', host: 'www.other.test', valid: false, reason: /DNS:www\.other\.test \(subject CN\) is not within "CN=NC dns"'s permitted subtrees/ },
  'cn-only-ok': { ca: 'dns', subject: '/CN=www.example.test', host: 'www.example.test', valid: true },
  'ip-ok': { ca: 'ip', san: 'IP:127.0.0.1,IP:::1', host: '127.0.0.1', valid: true },
  'ip-outside': { ca: 'ip', san: 'IP:127.0.0.1,IP:10.1.2.3', host: '127.0.0.1', valid: false, reason: /IP:10\.1\.2\.3 is not within "CN=NC ip"'s permitted subtrees \(IP:127\.0\.0\.0\/8, IP:::1\/128\)/ },
  'ip6-outside': { ca: 'ip', san: 'IP:127.0.0.1,IP:::2', host: '127.0.0.1', valid: false, reason: /IP:::2 is not within/ },
  'ip6-excluded': { ca: 'ip6x', san: 'IP:127.0.0.1,IP:fd12::1', host: '127.0.0.1', valid: false, reason: /IP:fd12::1 is within "CN=NC ip6x"'s excluded subtree IP:fd00::\/8/ },
  'ip6-excluded-ok': { ca: 'ip6x', san: 'IP:127.0.0.1,IP:fe80::1', host: '127.0.0.1', valid: true },
  'email-ok': { ca: 'email', san: 'DNS:www.other.test,email:ops@example.test', host: 'www.other.test', valid: true },
  'email-outside': { ca: 'email', san: 'DNS:www.other.test,email:ops@sub.example.test', host: 'www.other.test', valid: false, reason: /email:ops@sub\.example\.test is not within "CN=NC email"'s permitted subtrees \(email:example\.test\)/ },
  'dir-ok': { ca: 'dir', subject: '/O=Example Org/CN=www.x.test', san: 'DNS:www.x.test', host: 'www.x.test', valid: true },
  'dir-outside': { ca: 'dir', subject: '/O=Other Org/CN=www.x.test', san: 'DNS:www.x.test', host: 'www.x.test', valid: false, reason: /DirName:O=Other Org, CN=www\.x\.test is not within "CN=NC dir"'s permitted subtrees \(DirName:O=Example Org\)/ },
  'rid-unsupported': { ca: 'rid', san: 'DNS:www.x.test,RID:1.2.3.4', host: 'www.x.test', valid: false, reason: /RID:1\.2\.3\.4 is a registeredID, a form "CN=NC rid"'s critical name constraints restrict/ },
  'rid-absent-ok': { ca: 'rid', san: 'DNS:www.x.test', host: 'www.x.test', valid: true },
  'minmax-below': { ca: 'minmax', san: 'DNS:www.example.test', host: 'www.example.test', valid: false, onCa: true, reason: /"CN=NC minmax"'s name constraints give a subtree a minimum or maximum/ },
  'broken-below': { ca: 'broken', san: 'DNS:www.example.test', host: 'www.example.test', valid: false, onCa: true, reason: /"CN=NC broken"'s name constraints extension cannot be read/ },
  'self-issued-exempt': { ca: 'dirroll', subject: '/O=Example Org/CN=www.x.test', san: 'DNS:www.x.test', host: 'www.x.test', valid: true },
  'self-issued-leaf-outside': { ca: 'dirroll', subject: '/O=Other Org/CN=www.x.test', san: 'DNS:www.x.test', host: 'www.x.test', valid: false, reason: /DirName:O=Other Org, CN=www\.x\.test is not within "CN=NC dir"'s permitted subtrees/ },
  'below-sub': { ca: 'sub', san: 'DNS:www.other.test', host: 'www.other.test', valid: false, reason: outside('DNS:www.other.test', 'dns') },
  'root-nc': { ca: 'ncroot', san: 'DNS:www.other.test', host: 'www.other.test', valid: false, reason: outside('DNS:www.other.test', 'ncroot') },
  'root-nc-ok': { ca: 'ncroot', san: 'DNS:www.example.test', host: 'www.example.test', valid: true },
};

export interface NcPki {
  dir: string;
  file: (name: string) => string;
  /** Both roots, PEM: the trust store of every variant. */
  roots: string;
  /** The CAs above a variant's leaf, PEM (leaf's issuer first), for `-untrusted`. */
  untrusted: (variant: string) => string;
  serverOptions: (variant: string) => { cert: string; key: string };
}

const CA_EXT = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 20_000 });
}

/** The CA names from a CA up to (not including) the plain root, nearest first. */
function caPath(ca: string): string[] {
  const out: string[] = [];
  for (let c = ca; c !== 'root'; c = NC_CAS[c].parent) {
    out.push(c);
    if (NC_CAS[c].parent === 'self') break;
  }
  return out;
}

function makeCa(dir: string, name: string, spec: CaSpec): void {
  writeFileSync(path.join(dir, `${name}.ext`), `[req]\ndistinguished_name = dn\n[dn]\n[ext]\n${CA_EXT}${spec.nc ? `nameConstraints=${spec.nc}\n` : ''}${spec.sections ?? ''}`);
  const subj = `/CN=${spec.cn ?? `NC ${name}`}`;
  const key = `${spec.key ?? 'ca'}.key`;
  if (spec.parent === 'self') {
    openssl(dir, ['req', '-x509', '-new', '-key', key, '-subj', subj, '-days', '3650', '-config', `${name}.ext`, '-extensions', 'ext', '-out', `${name}.pem`]);
    return;
  }
  openssl(dir, ['req', '-new', '-key', key, '-subj', subj, '-out', `${name}.csr`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${spec.parent}.pem`, '-CAkey', `${NC_CAS[spec.parent]?.key ?? 'ca'}.key`, '-set_serial', String(Math.floor(Math.random() * 1e9)), '-days', '3000', '-extfile', `${name}.ext`, '-extensions', 'ext', '-out', `${name}.pem`]);
}

function makeLeaf(dir: string, name: string, v: NcVariant): void {
  const ext = `[ext]\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n${v.san ? `subjectAltName=${v.san}\n` : ''}`;
  writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, ['req', '-new', '-key', 'leaf.key', '-subj', v.subject ?? '/CN=leaf', '-out', `${name}.csr`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${v.ca}.pem`, '-CAkey', `${NC_CAS[v.ca].key ?? 'ca'}.key`, '-set_serial', String(Math.floor(Math.random() * 1e9)), '-days', '90', '-extfile', `${name}.ext`, '-extensions', 'ext', '-out', `${name}.pem`]);
}

let cached: NcPki | undefined;

export function ncPki(): NcPki {
  if (cached) return cached;
  // CA and leaf files share one directory: a variant named like a CA would overwrite it.
  const clash = Object.keys(NC_VARIANTS).filter((v) => v in NC_CAS || v === 'root' || v === 'roots');
  if (clash.length) throw new Error(`variant names clash with CA names: ${clash.join(', ')}`);
  const dir = path.join(tmpdir(), `tls-trace-nc-pki-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // One key per role: the tests are about names, and EC keys keep generation fast.
  for (const k of ['ca', 'ca2', 'leaf']) openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${k}.key`]);
  openssl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=NC Test Root', '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'root.pem']);
  // Parents before children: the table lists them in that order.
  for (const [name, spec] of Object.entries(NC_CAS)) makeCa(dir, name, spec);
  for (const [name, v] of Object.entries(NC_VARIANTS)) makeLeaf(dir, name, v);
  const file = (name: string): string => path.join(dir, name);
  const read = (name: string): string => readFileSync(file(name), 'utf8');
  const roots = read('root.pem') + read('ncroot.pem');
  writeFileSync(file('roots.pem'), roots);
  const untrusted = (variant: string): string => caPath(NC_VARIANTS[variant].ca).filter((c) => NC_CAS[c].parent !== 'self').map((c) => read(`${c}.pem`)).join('');
  for (const variant of Object.keys(NC_VARIANTS)) writeFileSync(file(`${variant}.untrusted.pem`), untrusted(variant));
  cached = {
    dir,
    file,
    roots,
    untrusted,
    serverOptions: (variant) => ({ cert: read(`${variant}.pem`) + untrusted(variant), key: read('leaf.key') }),
  };
  return cached;
}
