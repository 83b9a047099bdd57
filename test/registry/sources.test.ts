// The tables against independent lists: IANA's CSV snapshots (checked in under
// scripts/registry/iana/), testssl.sh's mappings, the local OpenSSL, and tshark's own tables.
// Checks that need /etc/testssl, openssl or tshark skip only when CI is unset.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  alertDescriptions,
  cipherSuites,
  extensionTypes,
  isGrease16,
  namedGroups,
  signatureSchemes,
} from '../../src/registry/index.js';
import { build, OUT, readIanaSuites, readTestssl, render, type TestsslRow } from '../../scripts/registry/gen-cipher-suites.js';

const IANA_DIR = join(process.cwd(), 'scripts', 'registry', 'iana');
const TESTSSL_CIPHERS = '/etc/testssl/cipher-mapping.txt';
const TESTSSL_CURVES = '/etc/testssl/curves-mapping.txt';

function hasTool(cmd: string, versionArg: string): boolean {
  try {
    execFileSync(cmd, [versionArg], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** `it` when the prerequisite exists; under CI a missing prerequisite is a failure, not a skip. */
function itIf(ok: boolean, what: string): jest.It {
  if (ok || process.env.CI) return it;
  console.warn(`registry: skipping checks that need ${what}`);
  return it.skip;
}

const haveTestssl = existsSync(TESTSSL_CIPHERS) && existsSync(TESTSSL_CURVES);
const haveOpenssl = hasTool('openssl', 'version');
const haveTshark = hasTool('tshark', '--version');

/** Deliberate differences from testssl's cipher-mapping.txt, each with its reason. */
const TESTSSL_OMITTED: Record<number, string> = {
  0xff00: 'private-use block 0xFF00–0xFFFF: a name would mislead, shown as unknown',
  0xff01: 'private-use block',
  0xff02: 'private-use block (testssl has no IANA-style name either)',
  0xff03: 'private-use block (testssl has no IANA-style name either)',
  0xff85: 'private-use block (testssl has no IANA-style name either)',
  0xff87: 'private-use block (testssl has no IANA-style name either)',
  0xffe0: 'private-use block (Netscape FIPS duplicate of 0xFEFF)',
  0xffe1: 'private-use block (Netscape FIPS duplicate of 0xFEFE)',
};

describe('cipher suites against IANA', () => {
  const iana = readIanaSuites(join(IANA_DIR, 'tls-parameters-4.csv'));
  for (const [code, name] of readIanaSuites(join(IANA_DIR, 'tls-parameters-4-updates.csv'))) iana.set(code, name);

  it('holds every IANA-registered suite under its IANA name', () => {
    expect(iana.size).toBeGreaterThan(350);
    const wrong = [...iana].filter(([code, name]) => cipherSuites.get(code)?.name !== name);
    expect(wrong).toEqual([]);
  });

  it('flags every suite IANA does not list as unofficial', () => {
    const mismatched = [...cipherSuites.values()].filter((s) => iana.has(s.code) === (s.unofficial === true));
    expect(mismatched.map((s) => s.name)).toEqual([]);
  });
});

describe('cipher suites against testssl.sh', () => {
  const rows = haveTestssl ? readTestssl(TESTSSL_CIPHERS) : [];

  itIf(haveTestssl, TESTSSL_CIPHERS)('agrees on IANA and OpenSSL names for every code both list', () => {
    expect(rows.length).toBeGreaterThan(300);
    const diffs: string[] = [];
    for (const t of rows) {
      const ours = cipherSuites.get(t.code);
      if (!ours) {
        if (!TESTSSL_OMITTED[t.code]) diffs.push(`0x${t.code.toString(16)} missing (${t.iana ?? t.openssl})`);
        continue;
      }
      if (t.iana && ours.name !== t.iana) diffs.push(`0x${t.code.toString(16)} name ${ours.name} ≠ ${t.iana}`);
      if (ours.openssl !== t.openssl) diffs.push(`0x${t.code.toString(16)} openssl ${ours.openssl} ≠ ${t.openssl}`);
    }
    expect(diffs).toEqual([]);
  });

  // testssl's columns follow OpenSSL's coarser vocabulary; map ours onto it and compare.
  itIf(haveTestssl, TESTSSL_CIPHERS)('agrees on key exchange, authentication, cipher and MAC', () => {
    const kxOf = (kx: string, auth: string): string[] => {
      switch (kx) {
        case 'ECDHE':
        case 'ECDH':
          return kx === 'ECDH' && auth !== 'anon' ? ['ECDH/ECDSA', 'ECDH/RSA'] : ['ECDH'];
        case 'DHE':
          return ['DH', 'DH(512)', 'DH(1024)'];
        case 'DH':
          return auth === 'anon' ? ['DH', 'DH(512)'] : ['DH/DSS', 'DH/RSA'];
        case 'RSA':
          return ['RSA', 'RSA(512)', 'RSA(1024)'];
        case 'DHE_PSK':
          return ['DHEPSK'];
        case 'ECDHE_PSK':
          return ['ECDHEPSK'];
        case 'RSA_PSK':
          return ['RSAPSK'];
        case 'NULL':
          return ['None'];
        default:
          return [kx];
      }
    };
    const authOf = (auth: string, kx: string): string[] => {
      if (kx === 'DH' && auth !== 'anon') return ['DH'];
      if (kx === 'ECDH' && auth !== 'anon') return ['ECDH'];
      if (auth === 'anon' || auth === 'NULL') return ['None'];
      if (auth === 'GOST') return ['GOST01', 'GOST94'];
      return [auth];
    };
    const encOf = (enc: string): string => {
      const m = /^(AES|CAMELLIA|ARIA)_(\d+)_(CBC|GCM|CCM_8|CCM)$/.exec(enc);
      if (m) {
        const family = { AES: 'AES', CAMELLIA: 'Camellia', ARIA: 'ARIA' }[m[1] as 'AES' | 'CAMELLIA' | 'ARIA'];
        const mode = { CBC: '', GCM: 'GCM', CCM: 'CCM', CCM_8: 'CCM8' }[m[3] as 'CBC' | 'GCM' | 'CCM' | 'CCM_8'];
        return `${family}${mode}(${m[2]})`;
      }
      const fixed: Record<string, string> = {
        CHACHA20_POLY1305: 'ChaCha20(256)',
        '3DES_EDE_CBC': '3DES(168)',
        DES_CBC: 'DES(56)',
        DES40_CBC: 'DES(40)',
        RC4_128: 'RC4(128)',
        RC4_56: 'RC4(56)',
        RC4_40: 'RC4(40)',
        RC2_40_CBC: 'RC2(40)',
        RC2_56_CBC: 'RC2(56)',
        IDEA_CBC: 'IDEA(128)',
        SEED_CBC: 'SEED(128)',
        NULL: 'None',
        '28147_CNT': 'GOST(256)',
      };
      return fixed[enc] ?? enc;
    };
    const macOf = (mac: string): string[] =>
      ({ SHA: ['SHA1'], NULL: ['None', 'Null'], IMIT: ['GOST89IMIT'], GOSTR3411: ['GOSTR3411', 'GOST94'] })[mac] ?? [mac];

    const diffs: string[] = [];
    const check = (t: TestsslRow): void => {
      const s = cipherSuites.get(t.code);
      if (!s || s.scsv) return;
      const hex = `0x${t.code.toString(16)} ${s.name}`;
      if (!kxOf(s.kx, s.auth).includes(t.kx)) diffs.push(`${hex}: kx ${s.kx} vs ${t.kx}`);
      if (!authOf(s.auth, s.kx).includes(t.au)) diffs.push(`${hex}: auth ${s.auth} vs ${t.au}`);
      if (encOf(s.enc) !== t.enc) diffs.push(`${hex}: enc ${s.enc} vs ${t.enc}`);
      if (!macOf(s.mac).includes(t.mac)) diffs.push(`${hex}: mac ${s.mac} vs ${t.mac}`);
    };
    for (const t of rows) check(t);
    expect(diffs).toEqual([]);
  });

  itIf(haveTestssl, TESTSSL_CIPHERS)('the committed cipher-suites.data.ts is what the generator produces', () => {
    expect(readFileSync(OUT, 'utf8')).toBe(render(build()));
  });
});

describe('cipher suites against the local OpenSSL', () => {
  itIf(haveOpenssl, 'openssl')('knows every suite OpenSSL knows, with the same IANA and OpenSSL names', () => {
    const out = execFileSync('openssl', ['ciphers', '-V', '-stdname', 'ALL:COMPLEMENTOFALL'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    const diffs: string[] = [];
    let n = 0;
    for (const line of out.split('\n')) {
      // "0x13,0x02 - TLS_AES_256_GCM_SHA384 - TLS_AES_256_GCM_SHA384 TLSv1.3 Kx=any …"
      const m = /^\s*0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+)\s+- (\S+)/i.exec(line);
      if (!m) continue;
      n++;
      const code = parseInt(m[1], 16) * 256 + parseInt(m[2], 16);
      const s = cipherSuites.get(code);
      if (s?.name !== m[3] || s.openssl !== m[4]) diffs.push(`${line.trim()} ≠ ${s?.name} ${s?.openssl}`);
    }
    expect(n).toBeGreaterThan(50);
    expect(diffs).toEqual([]);
  });
});

describe('groups', () => {
  it('hold every group in IANA\'s Supported Groups CSV under its IANA name', () => {
    const text = readFileSync(join(IANA_DIR, 'tls-parameters-8.csv'), 'utf8');
    let n = 0;
    for (const line of text.split('\n').slice(1)) {
      const [value, desc] = line.split(',');
      if (!/^\d+$/.test(value ?? '') || !desc || /^(Reserved|Unassigned)/.test(desc)) continue;
      n++;
      const name = desc.replace(/ \(OBSOLETE\)$/, '');
      expect([Number(value), namedGroups.get(Number(value))?.name]).toEqual([Number(value), name]);
    }
    expect(n).toBeGreaterThan(55);
  });

  itIf(haveTestssl, TESTSSL_CURVES)('agree with testssl.sh\'s curves mapping where it has code points', () => {
    const diffs: string[] = [];
    for (const line of readFileSync(TESTSSL_CURVES, 'utf8').split('\n')) {
      const m = /^\s*0x([0-9a-f]{2}),0x([0-9a-f]{2})\s+-\s+(\S+)/i.exec(line);
      if (!m) continue;
      const code = parseInt(m[1], 16) * 256 + parseInt(m[2], 16);
      if (code === 0) continue; // testssl's "NULL" placeholder, not a group
      if (namedGroups.get(code)?.name !== m[3]) diffs.push(`${m[0].trim()} ≠ ${namedGroups.get(code)?.name}`);
    }
    expect(diffs).toEqual([]);
  });
});

describe('signature schemes', () => {
  it('hold every scheme in IANA\'s SignatureScheme CSV under its IANA name; extras are legacy pairs or newer', () => {
    const text = readFileSync(join(IANA_DIR, 'tls-signaturescheme.csv'), 'utf8');
    const iana = new Map<number, string>();
    for (const line of text.split('\n').slice(1)) {
      const [value, desc] = line.split(',');
      if (!/^0x[0-9A-F]{4}$/i.test(value ?? '') || !desc || /^(Reserved|Unassigned)/.test(desc)) continue;
      iana.set(parseInt(value, 16), desc);
    }
    expect(iana.size).toBeGreaterThan(35);
    for (const [code, name] of iana) expect([code, signatureSchemes.get(code)?.name]).toEqual([code, name]);
    // Registered after the November 2025 snapshot: SLH-DSA (draft-reddy-tls-slhdsa).
    const newer = (code: number): boolean => code >= 0x0911 && code <= 0x091c;
    const extras = [...signatureSchemes.values()].filter((s) => !iana.has(s.code) && !s.legacy && !newer(s.code));
    expect(extras.map((s) => s.name)).toEqual([]);
  });
});

// tshark's value tables are an independent, hand-kept list (Wireshark 4.0 here): every code
// point it can name must have a name here too.
describe('against tshark\'s tables', () => {
  let dump: string | undefined;
  const values = (field: string): Map<number, string> => {
    // The full dump is tens of MB; keep only TLS fields before it reaches Node.
    dump ??= execFileSync('sh', ['-c', "tshark -G values 2>/dev/null | grep '^V.tls\\.'"], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 16 << 20,
    });
    const out = dump;
    const m = new Map<number, string>();
    for (const line of out.split('\n')) {
      const f = line.split('\t');
      if (f[0] === 'V' && f[1] === field) m.set(Number(f[2]), f[3]);
    }
    return m;
  };

  itIf(haveTshark, 'tshark')('extension types and alerts', () => {
    const ext = values('tls.handshake.extension.type');
    expect(ext.size).toBeGreaterThan(50);
    const missingExt = [...ext].filter(([code, name]) => !isGrease16(code) && !/GREASE/.test(name) && !extensionTypes.has(code));
    expect(missingExt).toEqual([]);

    const alerts = values('tls.alert_message.desc');
    // Alert 1 "end_of_early_data" existed only in TLS 1.3 drafts (before it became a message).
    const missingAlerts = [...alerts].filter(([code]) => code !== 1 && !alertDescriptions.has(code));
    expect(missingAlerts).toEqual([]);
  });
});
