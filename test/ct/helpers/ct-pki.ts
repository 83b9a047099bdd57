// A private Certificate Transparency world for tests: test CT logs (P-256 and RSA keys made with
// Node's crypto), a test CA and leaves made with openssl, SCTs this helper signs itself, and the
// precertificate flow done the way a CA does it: the SCTs are signed over the leaf's TBS *before*
// the SCT list extension exists, then the extension is added and the CA re-signs. The ASN.1 work
// here uses node-forge's asn1 (not tls-trace's DER walker), and the signed structure is written
// out from RFC 6962 §3.2 directly, so the code under test is checked against an independent
// construction; openssl (x509 -text, s_client -ct) is the golden for the verdicts.

import { createHash, createPrivateKey, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

const asn1 = forge.asn1;
type Asn1 = forge.asn1.Asn1;

export interface TestLog {
  name: string;
  operator: string;
  key: KeyObject;
  spki: Buffer;
  logId: Buffer;
  state: 'usable' | 'qualified' | 'readonly' | 'retired' | 'pending' | 'rejected';
  stateAt: string;
}

function makeLog(name: string, operator: string, kind: 'ec' | 'rsa', state: TestLog['state'], stateAt: string): TestLog {
  const { privateKey, publicKey } = kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return { name, operator, key: privateKey, spki, logId: createHash('sha256').update(spki).digest(), state, stateAt };
}

/** Four logs: EC and RSA usable logs of two operators, a retired one, and one no list names. */
export function makeLogs(): { ec: TestLog; rsa: TestLog; retired: TestLog; stranger: TestLog } {
  return {
    ec: makeLog('Test EC log', 'Operator A', 'ec', 'usable', '2020-01-01T00:00:00Z'),
    rsa: makeLog('Test RSA log', 'Operator B', 'rsa', 'qualified', '2020-01-01T00:00:00Z'),
    retired: makeLog('Test retired log', 'Operator C', 'ec', 'retired', '2021-06-01T00:00:00Z'),
    stranger: makeLog('Unlisted log', 'Operator D', 'ec', 'usable', '2020-01-01T00:00:00Z'),
  };
}

/** A v3 log_list.json naming `logs`. */
export function logListJson(logs: TestLog[], timestamp = '2026-11-01T00:00:00Z'): string {
  const byOp = new Map<string, TestLog[]>();
  for (const l of logs) byOp.set(l.operator, [...(byOp.get(l.operator) ?? []), l]);
  const operators = [...byOp].map(([name, ls]) => ({
    name,
    email: ['ct@example.test'],
    logs: ls.map((l) => ({ description: l.name, log_id: l.logId.toString('base64'), key: l.spki.toString('base64'), url: `https://${l.name.replace(/\W/g, '')}.example.test/`, mmd: 86400, state: { [l.state]: { timestamp: l.stateAt } } })),
  }));
  return JSON.stringify({ version: '1.0', log_list_timestamp: timestamp, operators }, null, 2);
}

/** openssl's CT log file (CTLOG_STORE_load_file) naming `logs`. */
export function opensslLogFile(logs: TestLog[]): string {
  const names = logs.map((_, i) => `log${i}`);
  return [`enabled_logs = ${names.join(',')}`, ...logs.map((l, i) => `[${names[i]}]\ndescription = ${l.name}\nkey = ${l.spki.toString('base64')}`)].join('\n') + '\n';
}

export type SignedEntry = { type: 'x509'; leaf: Buffer } | { type: 'precert'; issuerKeyHash: Buffer; tbs: Buffer };

export interface SctSpec {
  log: TestLog;
  timestamp: number;
  extensions?: Buffer;
  /** Change one field after signing (the SCT then must not verify, or name another log / version). */
  tamper?: 'version' | 'logId' | 'timestamp' | 'extensions' | 'signature';
}

const u16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number): Buffer => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** RFC 6962 §3.2 digitally-signed struct, written out field by field. */
function toBeSigned(version: number, timestamp: number, entry: SignedEntry, ext: Buffer): Buffer {
  const entryBytes = entry.type === 'x509' ? [u16(0), u24(entry.leaf.length), entry.leaf] : [u16(1), entry.issuerKeyHash, u24(entry.tbs.length), entry.tbs];
  return Buffer.concat([Buffer.from([version, 0]), u64(timestamp), ...entryBytes, u16(ext.length), ext]);
}

/** One SerializedSCT body (without its own length). */
export function signSct(spec: SctSpec, entry: SignedEntry): Buffer {
  const ext = spec.extensions ?? Buffer.alloc(0);
  const sig = sign('sha256', toBeSigned(0, spec.timestamp, entry, ext), spec.log.key);
  const sigAlg = spec.log.key.asymmetricKeyType === 'ec' ? 3 : 1;
  let version = 0;
  let logId = spec.log.logId;
  let ts = spec.timestamp;
  let outExt = ext;
  let outSig = sig;
  if (spec.tamper === 'version') version = 1;
  if (spec.tamper === 'logId') logId = Buffer.from(logId.map((b, i) => (i === 0 ? b ^ 0x01 : b)));
  if (spec.tamper === 'timestamp') ts += 1;
  if (spec.tamper === 'extensions') outExt = Buffer.from([0x00, 0x00, 0x01, 0x2a]);
  if (spec.tamper === 'signature') outSig = Buffer.from(sig.map((b, i) => (i === sig.length - 3 ? b ^ 0x40 : b)));
  return Buffer.concat([Buffer.from([version]), logId, u64(ts), u16(outExt.length), outExt, Buffer.from([4, sigAlg]), u16(outSig.length), outSig]);
}

/** SignedCertificateTimestampList: the TLS encoding with its 2-byte length. */
export function sctList(scts: Buffer[]): Buffer {
  const body = Buffer.concat(scts.map((s) => Buffer.concat([u16(s.length), s])));
  return Buffer.concat([u16(body.length), body]);
}

// ---------------------------------------------------------------------------------------------
// The test CA and its leaves (openssl), and the precertificate flow (forge)

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface TestCa {
  dir: string;
  caPem: string;
  caFile: string;
  caDer: Buffer;
  caKey: KeyObject;
}

/**
 * The key, parsed again once if the first parse fails: Node's key parsing reports an error left
 * on OpenSSL's error queue by earlier TLS work in the same jest worker (a full run gave 'SSL
 * routines::passed invalid argument' for a valid key file) and pops it, so the second parse reads
 * the key itself. A key that really does not parse fails both times.
 */
function privateKeyOf(pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    return createPrivateKey(pem);
  }
}

export function makeCa(dir: string): TestCa {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=CT Test Root', '-days', '3650', '-out', 'ca.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const caPem = readFileSync(path.join(dir, 'ca.pem'), 'utf8');
  const caKey = privateKeyOf(readFileSync(path.join(dir, 'ca.key'), 'utf8'));
  return { dir, caPem, caFile: path.join(dir, 'ca.pem'), caDer: Buffer.from(new X509Certificate(caPem).raw), caKey };
}


/** A leaf (no SCT extension yet) for `name`, issued by the CA: DER, and its key file. */
export function issueLeaf(ca: TestCa, name: string, days = 90): { der: Buffer; keyFile: string } {
  const { dir } = ca;
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', '/CN=localhost', '-out', `${name}.csr`], dir);
  writeFileSync(path.join(dir, `${name}.ext`), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n');
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${createHash('sha1').update(name).digest('hex').slice(0, 16)}`, '-days', String(days), '-extfile', `${name}.ext`, '-out', `${name}.pre.pem`], dir);
  const der = Buffer.from(new X509Certificate(readFileSync(path.join(dir, `${name}.pre.pem`), 'utf8')).raw);
  return { der, keyFile: path.join(dir, `${name}.key`) };
}

function parse(der: Buffer): Asn1 {
  return asn1.fromDer(der.toString('binary'));
}

function derOf(node: Asn1): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), 'binary');
}

/** The TBSCertificate DER of a certificate (what the CA signs; the precertificate's TBS before the SCTs exist). */
export function tbsOf(certDer: Buffer): Buffer {
  return derOf((parse(certDer).value as Asn1[])[0]);
}

/** SHA-256 of the issuer's SubjectPublicKeyInfo, read through Node's X509Certificate. */
export function issuerKeyHashOf(ca: TestCa): Buffer {
  return createHash('sha256').update(new X509Certificate(ca.caPem).publicKey.export({ type: 'spki', format: 'der' })).digest();
}

/** Re-signs a TBS with the CA key into a Certificate, keeping the leaf's signature algorithm. */
function certify(tbs: Asn1, sigAlg: Asn1, ca: TestCa): Buffer {
  const sig = sign('sha256', derOf(tbs), ca.caKey);
  const bits = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + sig.toString('binary'));
  return derOf(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [tbs, sigAlg, bits]));
}

function extension(oidDotted: string, value: Buffer): Asn1 {
  const inner = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, value.toString('binary'));
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(oidDotted).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, asn1.toDer(inner).getBytes()),
  ]);
}

export const SCT_LIST_OID = '1.3.6.1.4.1.11129.2.4.2';
const OCSP_SCT_OID = '1.3.6.1.4.1.11129.2.4.5';

/**
 * The final certificate: `precertDer`'s TBS with the SCT list extension inserted at `position`
 * among the extensions (default second, so removing it must re-join the ones around it), re-signed
 * by the CA. `mutate` may change the TBS first (to make a certificate the SCTs were not signed for).
 */
export function embedScts(precertDer: Buffer, list: Buffer, ca: TestCa, position = 1, mutate?: (tbs: Asn1[]) => void): Buffer {
  const cert = parse(precertDer).value as Asn1[];
  const tbs = cert[0];
  const fields = tbs.value as Asn1[];
  mutate?.(fields);
  const wrapper = fields.find((f) => f.tagClass === asn1.Class.CONTEXT_SPECIFIC && f.type === 3);
  if (!wrapper) throw new Error('leaf has no extensions');
  const exts = (wrapper.value as Asn1[])[0].value as Asn1[];
  exts.splice(Math.min(position, exts.length), 0, extension(SCT_LIST_OID, list));
  return certify(tbs, cert[1], ca);
}

/** Writes a PEM certificate file and returns its path. */
export function writePem(dir: string, name: string, der: Buffer): string {
  const file = path.join(dir, `${name}.pem`);
  writeFileSync(file, `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`);
  return file;
}

const gt = (d: Date): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
const seq = (v: Asn1[]): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, v);
const ctx = (tag: number, v: Asn1[] | string, constructed = true): Asn1 => asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, constructed, v);
const octets = (b: Buffer): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, b.toString('binary'));
const oidNode = (o: string): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(o).getBytes());
const nul = (): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '');

/** A good OCSP response for `leafDer` signed by the CA, carrying `list` in the single response's SCT extension. */
export function ocspWithScts(leafDer: Buffer, ca: TestCa, list: Buffer, at: Date): Buffer {
  const caTbs = (parse(ca.caDer).value as Asn1[])[0].value as Asn1[];
  const off = caTbs[0].tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const subject = caTbs[off + 4];
  const keyBits = Buffer.from(((caTbs[off + 5].value as Asn1[])[1].value as string).slice(1), 'binary');
  const leafTbs = (parse(leafDer).value as Asn1[])[0].value as Asn1[];
  const serial = leafTbs[leafTbs[0].tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0];
  const sha1 = (b: Buffer): Buffer => createHash('sha1').update(b).digest();
  const certId = seq([seq([oidNode('1.3.14.3.2.26'), nul()]), octets(sha1(derOf(subject))), octets(sha1(keyBits)), serial]);
  const extn = seq([extension(OCSP_SCT_OID, list)]);
  const single = seq([certId, ctx(0, '', false), gt(new Date(at.getTime() - 3600_000)), ctx(0, [gt(new Date(at.getTime() + 7 * 86400_000))]), ctx(1, [extn])]);
  const data = seq([ctx(1, [subject]), gt(at), seq([single])]);
  const sig = sign('sha256', derOf(data), ca.caKey);
  const basic = seq([data, seq([oidNode('1.2.840.10045.4.3.2')]), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + sig.toString('binary'))]);
  const enumerated = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.ENUMERATED, false, String.fromCharCode(0));
  return derOf(seq([enumerated, ctx(0, [seq([oidNode('1.3.6.1.5.5.7.48.1.1'), octets(derOf(basic))])])]));
}

/**
 * An `openssl s_server -serverinfo` file sending `list` as the signed_certificate_timestamp
 * extension: in the ServerHello for TLS 1.2, in the leaf's CertificateEntry for TLS 1.3 (v2
 * format, context ClientHello | TLS 1.2 ServerHello | TLS 1.3 Certificate).
 */
export function serverinfoFile(dir: string, list: Buffer): string {
  const context = Buffer.from([0x00, 0x00, 0x11, 0x80]);
  const body = Buffer.concat([context, u16(18), u16(list.length), list]);
  const file = path.join(dir, 'sct.serverinfo');
  writeFileSync(file, `-----BEGIN SERVERINFOV2 FOR CT-----\n${body.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END SERVERINFOV2 FOR CT-----\n`);
  return file;
}
