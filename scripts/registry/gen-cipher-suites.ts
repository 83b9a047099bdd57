// Regenerates src/registry/cipher-suites.data.ts — never edit that file by hand.
//
//   npx tsx scripts/registry/gen-cipher-suites.ts [--check]
//
// Inputs:
//   scripts/registry/iana/tls-parameters-4.csv          IANA "TLS Cipher Suites" (code → IANA name)
//   scripts/registry/iana/tls-parameters-4-updates.csv  later IANA registrations / renames
//   /etc/testssl/cipher-mapping.txt                     OpenSSL names, plus the unofficial suites that
//                                                       deployed software sent (testssl.sh's list)
// The key exchange / authentication / cipher / MAC columns are derived from the IANA name itself,
// whose grammar is regular (TLS_<kx>_<auth>[_EXPORT]_WITH_<cipher>_<mac>), so every suite gets
// the same vocabulary; test/registry checks the result against testssl's and OpenSSL's columns.
// --check exits 1 when the committed file differs from what the inputs produce.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
export const OUT = join(root, 'src', 'registry', 'cipher-suites.data.ts');
export const TESTSSL = process.env.TESTSSL_CIPHER_MAPPING ?? '/etc/testssl/cipher-mapping.txt';

interface Row {
  code: number;
  name: string;
  openssl?: string;
  unofficial?: boolean;
}

/** Minimal RFC 4180 reader: quoted fields may hold commas and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** IANA CSV rows whose Value is a single "0xHH,0xHH" and whose Description is a suite name. */
export function readIanaSuites(file: string): Map<number, string> {
  const out = new Map<number, string>();
  const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
  const vi = header.indexOf('Value');
  const di = header.indexOf('Description');
  for (const r of rows) {
    const m = /^0x([0-9A-F]{2}),0x([0-9A-F]{2})$/i.exec(r[vi] ?? '');
    const name = (r[di] ?? '').trim();
    if (!m || !/^(TLS|SSL)_/.test(name)) continue; // ranges, "Reserved", "Unassigned"
    out.set(parseInt(m[1], 16) * 256 + parseInt(m[2], 16), name);
  }
  return out;
}

export interface TestsslRow {
  code: number;
  openssl?: string;
  iana?: string;
  kx: string;
  au: string;
  enc: string;
  mac: string;
}

/** testssl.sh's cipher-mapping.txt; only two-byte (SSLv3/TLS) code points. */
export function readTestssl(file: string): TestsslRow[] {
  const out: TestsslRow[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    const m = /^0x([0-9A-F]{2}),0x([0-9A-F]{2})$/i.exec(f[0] ?? '');
    if (!m || f[1] !== '-') continue;
    const col = (p: string): string => (f.find((x) => x.startsWith(p)) ?? '').slice(p.length);
    out.push({
      code: parseInt(m[1], 16) * 256 + parseInt(m[2], 16),
      openssl: f[2] === '-' ? undefined : f[2],
      iana: f[3] === '-' ? undefined : f[3],
      kx: col('Kx='),
      au: col('Au='),
      enc: col('Enc='),
      mac: col('Mac='),
    });
  }
  return out;
}

// ---- name grammar -------------------------------------------------------------------------

interface Parts {
  kx: string;
  auth: string;
  enc: string;
  mac: string;
  prf: string;
  bits: number;
  tls13?: boolean;
  scsv?: boolean;
  export?: boolean;
}

/** <prefix> of TLS_<prefix>_WITH_… → key exchange and authentication. */
const PREFIX: Record<string, [kx: string, auth: string]> = {
  NULL: ['NULL', 'NULL'],
  RSA: ['RSA', 'RSA'],
  DH_DSS: ['DH', 'DSS'],
  DH_RSA: ['DH', 'RSA'],
  DHE_DSS: ['DHE', 'DSS'],
  DHE_RSA: ['DHE', 'RSA'],
  DH_anon: ['DH', 'anon'],
  KRB5: ['KRB5', 'KRB5'],
  PSK: ['PSK', 'PSK'],
  DHE_PSK: ['DHE_PSK', 'PSK'],
  PSK_DHE: ['DHE_PSK', 'PSK'], // 0xC0AA/0xC0AB spell it backwards (RFC 6655)
  RSA_PSK: ['RSA_PSK', 'RSA'],
  ECDHE_PSK: ['ECDHE_PSK', 'PSK'],
  ECDH_ECDSA: ['ECDH', 'ECDSA'],
  ECDH_RSA: ['ECDH', 'RSA'],
  ECDH_anon: ['ECDH', 'anon'],
  ECDHE_ECDSA: ['ECDHE', 'ECDSA'],
  ECDHE_RSA: ['ECDHE', 'RSA'],
  SRP_SHA: ['SRP', 'SRP'],
  SRP_SHA_RSA: ['SRP', 'RSA'],
  SRP_SHA_DSS: ['SRP', 'DSS'],
  ECCPWD: ['ECCPWD', 'ECCPWD'],
  GOSTR341112_256: ['GOST', 'GOST'],
  GOSTR341001: ['GOST', 'GOST'],
  GOSTR341094: ['GOST', 'GOST'],
  CECPQ1_RSA: ['CECPQ1', 'RSA'],
  CECPQ1_ECDSA: ['CECPQ1', 'ECDSA'],
};

/** Bulk ciphers as they appear after _WITH_, longest first; value = [our spelling, strength bits]. */
const CIPHERS: [token: string, enc: string, bits: number][] = [
  ['CHACHA20_POLY1305', 'CHACHA20_POLY1305', 256],
  ['AES_128_CCM_8', 'AES_128_CCM_8', 128],
  ['AES_256_CCM_8', 'AES_256_CCM_8', 256],
  ['AES_128_CCM', 'AES_128_CCM', 128],
  ['AES_256_CCM', 'AES_256_CCM', 256],
  ['AES_128_GCM', 'AES_128_GCM', 128],
  ['AES_256_GCM', 'AES_256_GCM', 256],
  ['AES_128_CBC', 'AES_128_CBC', 128],
  ['AES_256_CBC', 'AES_256_CBC', 256],
  ['CAMELLIA_128_GCM', 'CAMELLIA_128_GCM', 128],
  ['CAMELLIA_256_GCM', 'CAMELLIA_256_GCM', 256],
  ['CAMELLIA_128_CBC', 'CAMELLIA_128_CBC', 128],
  ['CAMELLIA_256_CBC', 'CAMELLIA_256_CBC', 256],
  ['ARIA_128_GCM', 'ARIA_128_GCM', 128],
  ['ARIA_256_GCM', 'ARIA_256_GCM', 256],
  ['ARIA_128_CBC', 'ARIA_128_CBC', 128],
  ['ARIA_256_CBC', 'ARIA_256_CBC', 256],
  ['SEED_CBC', 'SEED_CBC', 128],
  ['IDEA_CBC', 'IDEA_CBC', 128],
  ['3DES_EDE_CBC', '3DES_EDE_CBC', 112], // 168-bit key, 112 bits of strength (meet-in-the-middle)
  ['DES40_CBC', 'DES40_CBC', 40],
  ['DES_CBC_40', 'DES40_CBC', 40],
  ['DES_CBC', 'DES_CBC', 56],
  ['RC2_CBC_40', 'RC2_40_CBC', 40],
  ['RC2_56', 'RC2_56_CBC', 56],
  ['RC4_40', 'RC4_40', 40],
  ['RC4_56', 'RC4_56', 56],
  ['RC4_128', 'RC4_128', 128],
  ['KUZNYECHIK_MGM_L', 'KUZNYECHIK_MGM_L', 256],
  ['KUZNYECHIK_MGM_S', 'KUZNYECHIK_MGM_S', 256],
  ['MAGMA_MGM_L', 'MAGMA_MGM_L', 256],
  ['MAGMA_MGM_S', 'MAGMA_MGM_S', 256],
  ['KUZNYECHIK_CTR', 'KUZNYECHIK_CTR', 256],
  ['MAGMA_CTR', 'MAGMA_CTR', 256],
  ['28147_CNT', '28147_CNT', 256],
  ['NULL', 'NULL', 0],
];

const AEAD = /GCM|CCM|POLY1305|MGM|AEGIS|ASCON/;

/** MAC token after the cipher → MAC column (for non-AEAD ciphers) and PRF hash. */
const MAC: Record<string, [mac: string, prf: string]> = {
  '': ['AEAD', 'SHA256'], // TLS_RSA_WITH_AES_128_CCM etc.: AEAD, default TLS 1.2 PRF (RFC 6655)
  SHA: ['SHA', 'SHA256'],
  MD5: ['MD5', 'SHA256'],
  SHA256: ['SHA256', 'SHA256'],
  SHA384: ['SHA384', 'SHA384'],
  OMAC: ['OMAC', 'STREEBOG256'],
  IMIT: ['IMIT', 'STREEBOG256'], // GOST R 34.11-94 suites are patched below
  GOSTR3411: ['GOSTR3411', 'GOSTR3411'],
};

/** TLS 1.3-style suites: TLS_<AEAD>_<HASH>, no key exchange or authentication in the name. */
const TLS13: Record<string, [enc: string, bits: number, hash: string, mac?: string]> = {
  TLS_AES_128_GCM_SHA256: ['AES_128_GCM', 128, 'SHA256'],
  TLS_AES_256_GCM_SHA384: ['AES_256_GCM', 256, 'SHA384'],
  TLS_CHACHA20_POLY1305_SHA256: ['CHACHA20_POLY1305', 256, 'SHA256'],
  TLS_AES_128_CCM_SHA256: ['AES_128_CCM', 128, 'SHA256'],
  TLS_AES_128_CCM_8_SHA256: ['AES_128_CCM_8', 128, 'SHA256'],
  TLS_AEGIS_256_SHA512: ['AEGIS_256', 256, 'SHA512'],
  TLS_AEGIS_128L_SHA256: ['AEGIS_128L', 128, 'SHA256'],
  TLS_SM4_GCM_SM3: ['SM4_GCM', 128, 'SM3'],
  TLS_SM4_CCM_SM3: ['SM4_CCM', 128, 'SM3'],
  TLS_ASCONAEAD128_ASCONHASH256: ['ASCON_AEAD128', 128, 'ASCONHASH256'],
  TLS_ASCONAEAD128_SHA256: ['ASCON_AEAD128', 128, 'SHA256'],
  TLS_AES_128_GCM_ASCONHASH256: ['AES_128_GCM', 128, 'ASCONHASH256'],
  TLS_AES_128_CCM_ASCONHASH256: ['AES_128_CCM', 128, 'ASCONHASH256'],
  // RFC 9150 integrity-only suites: no encryption at all, HMAC protects the records.
  TLS_SHA256_SHA256: ['NULL', 0, 'SHA256', 'SHA256'],
  TLS_SHA384_SHA384: ['NULL', 0, 'SHA384', 'SHA384'],
};

export function partsOf(name: string): Parts {
  if (name.endsWith('_SCSV')) return { kx: 'NULL', auth: 'NULL', enc: 'NULL', mac: 'NULL', prf: 'NULL', bits: 0, scsv: true };
  const t13 = TLS13[name];
  if (t13) {
    const [enc, bits, hash, mac] = t13;
    return { kx: 'any', auth: 'any', enc, mac: mac ?? 'AEAD', prf: hash, bits, tls13: true };
  }
  const m = /^(?:TLS|SSL)_(.+?)_WITH_(.+)$/.exec(name);
  if (!m) throw new Error(`cannot parse cipher suite name ${name}`);
  let prefix = m[1];
  const isExport = /_EXPORT(1024)?$/.test(prefix);
  prefix = prefix.replace(/_EXPORT(1024)?$/, '').replace(/^RSA_FIPS$/, 'RSA');
  if (name === 'TLS_NULL_WITH_NULL_NULL') {
    return { kx: 'NULL', auth: 'NULL', enc: 'NULL', mac: 'NULL', prf: 'NULL', bits: 0 };
  }
  const kxAuth = PREFIX[prefix];
  if (!kxAuth) throw new Error(`unknown key exchange '${prefix}' in ${name}`);
  const rest = m[2].replace(/_OLD$/, ''); // pre-RFC 7905 ChaCha20 suites (0xCC13–0xCC15)
  const cipher = CIPHERS.find(([tok]) => rest === tok || rest.startsWith(tok + '_'));
  if (!cipher) throw new Error(`unknown cipher in ${name}`);
  const macTok = rest.slice(cipher[0].length).replace(/^_/, '');
  const mac = MAC[macTok];
  if (!mac) throw new Error(`unknown MAC '${macTok}' in ${name}`);
  const aead = AEAD.test(cipher[1]);
  // RFC 9367: the GOST MGM suites are TLS 1.3 suites even though their names carry _WITH_.
  const tls13 = /_MGM_[LS]$/.test(cipher[1]);
  // GOST suites hash with Streebog (R 34.11-2012, RFC 9189/9367) or, for the pre-2012 drafts, R 34.11-94.
  let prf = macTok === '' && !aead ? 'SHA256' : mac[1];
  if (prefix === 'GOSTR341112_256') prf = 'STREEBOG256';
  else if (prefix === 'GOSTR341001' || prefix === 'GOSTR341094') prf = 'GOSTR3411';
  return {
    kx: tls13 ? 'any' : kxAuth[0],
    auth: tls13 ? 'any' : kxAuth[1],
    enc: cipher[1],
    mac: aead ? 'AEAD' : mac[0],
    prf,
    bits: cipher[2],
    ...(tls13 ? { tls13: true } : {}),
    ...(isExport ? { export: true } : {}),
  };
}

// ---- assemble -------------------------------------------------------------------------------

export function build(): Row[] {
  const iana = readIanaSuites(join(here, 'iana', 'tls-parameters-4.csv'));
  for (const [code, name] of readIanaSuites(join(here, 'iana', 'tls-parameters-4-updates.csv'))) iana.set(code, name);
  const testssl = readTestssl(TESTSSL);
  const rows = new Map<number, Row>();
  for (const [code, name] of iana) rows.set(code, { code, name });
  for (const t of testssl) {
    const row = rows.get(t.code);
    if (row) {
      if (t.openssl) row.openssl = t.openssl;
      continue;
    }
    // Not in IANA's registry but seen on the wire (EXPORT1024, pre-standard ChaCha20, CECPQ1,
    // old GOST, Netscape FIPS). The 0xFF00–0xFFFF block is private use: anything may appear
    // there, so a name would mislead — those stay "unknown".
    if (!t.iana || t.code >= 0xff00) continue;
    rows.set(t.code, { code: t.code, name: t.iana, openssl: t.openssl, unofficial: true });
  }
  return [...rows.values()].sort((a, b) => a.code - b.code);
}

export function render(rows: Row[]): string {
  const q = (s: string): string => `'${s}'`;
  const lines = rows.map((r) => {
    const p = partsOf(r.name);
    const fields = [
      `code: 0x${r.code.toString(16).padStart(4, '0')}`,
      `name: ${q(r.name)}`,
      ...(r.openssl ? [`openssl: ${q(r.openssl)}`] : []),
      `kx: ${q(p.kx)}`,
      `auth: ${q(p.auth)}`,
      `enc: ${q(p.enc)}`,
      `mac: ${q(p.mac)}`,
      `prf: ${q(p.prf)}`,
      `bits: ${p.bits}`,
      ...(p.tls13 ? ['tls13: true'] : []),
      ...(p.scsv ? ['scsv: true'] : []),
      ...(p.export ? ['export: true'] : []),
      ...(r.unofficial ? ['unofficial: true'] : []),
    ];
    return `  { ${fields.join(', ')} },`;
  });
  return [
    '// GENERATED by scripts/registry/gen-cipher-suites.ts from IANA\'s TLS Cipher Suites registry',
    '// (scripts/registry/iana/) and testssl.sh\'s cipher-mapping.txt. Do not edit; re-run the script.',
    "import type { CipherSuiteInfo } from './cipher-suites.js';",
    '',
    'export const cipherSuiteData: readonly CipherSuiteInfo[] = [',
    ...lines,
    '];',
    '',
  ].join('\n');
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const text = render(build());
  if (process.argv.includes('--check')) {
    const current = readFileSync(OUT, 'utf8');
    if (current !== text) {
      console.error(`${OUT} is out of date; run npx tsx scripts/registry/gen-cipher-suites.ts`);
      process.exit(1);
    }
    console.log('cipher-suites.data.ts is up to date');
  } else {
    writeFileSync(OUT, text);
    console.log(`wrote ${OUT}`);
  }
}
