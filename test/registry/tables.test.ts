// Shape and golden values of every registry table; no external tools needed.
import {
  Alert,
  AlertLevel,
  ContentType,
  Ext,
  Group,
  HS,
  Sig,
  Suite,
  Version,
  alertDescriptions,
  alertLevels,
  byName,
  certificateCompressionAlgorithms,
  certificateStatusTypes,
  certificateTypes,
  cipherSuites,
  clientCertificateTypes,
  compressionMethods,
  contentTypes,
  describe as describeCode,
  ecCurveTypes,
  ecPointFormats,
  echClientHelloTypes,
  extensionTypes,
  groupInfo,
  handshakeTypes,
  hashAlgorithms,
  heartbeatMessageTypes,
  heartbeatModes,
  hpkeAeads,
  hpkeKdfs,
  hpkeKems,
  isForwardSecret,
  isGrease16,
  isGreasePskMode,
  keyUpdateRequests,
  label,
  maxFragmentLengths,
  nameTypes,
  namedGroups,
  protocolVersions,
  pskKeyExchangeModes,
  signatureAlgorithms,
  signatureSchemeInfo,
  signatureSchemes,
  suiteInfo,
  versionName,
  type Registry,
  type RegistryEntry,
} from '../../src/registry/index.js';

/** Every table, its code width in bytes and whether RFC 8701 GREASE applies to it. */
const tables: [string, Registry<RegistryEntry>, 1 | 2][] = [
  ['cipherSuites', cipherSuites, 2],
  ['extensionTypes', extensionTypes, 2],
  ['namedGroups', namedGroups, 2],
  ['signatureSchemes', signatureSchemes, 2],
  ['protocolVersions', protocolVersions, 2],
  ['certificateCompressionAlgorithms', certificateCompressionAlgorithms, 2],
  ['hpkeKems', hpkeKems, 2],
  ['hpkeKdfs', hpkeKdfs, 2],
  ['hpkeAeads', hpkeAeads, 2],
  ['alertLevels', alertLevels, 1],
  ['alertDescriptions', alertDescriptions, 1],
  ['handshakeTypes', handshakeTypes, 1],
  ['contentTypes', contentTypes, 1],
  ['ecPointFormats', ecPointFormats, 1],
  ['pskKeyExchangeModes', pskKeyExchangeModes, 1],
  ['compressionMethods', compressionMethods, 1],
  ['certificateStatusTypes', certificateStatusTypes, 1],
  ['clientCertificateTypes', clientCertificateTypes, 1],
  ['ecCurveTypes', ecCurveTypes, 1],
  ['nameTypes', nameTypes, 1],
  ['certificateTypes', certificateTypes, 1],
  ['maxFragmentLengths', maxFragmentLengths, 1],
  ['heartbeatModes', heartbeatModes, 1],
  ['heartbeatMessageTypes', heartbeatMessageTypes, 1],
  ['keyUpdateRequests', keyUpdateRequests, 1],
  ['echClientHelloTypes', echClientHelloTypes, 1],
  ['hashAlgorithms', hashAlgorithms, 1],
  ['signatureAlgorithms', signatureAlgorithms, 1],
];

describe.each(tables)('%s', (_name, table, width) => {
  const entries = [...table.values()];

  it('has entries whose map key is their code, within the code width', () => {
    expect(entries.length).toBeGreaterThan(0);
    for (const [code, e] of table) {
      expect(e.code).toBe(code);
      expect(Number.isInteger(code) && code >= 0 && code < 256 ** width).toBe(true);
    }
  });

  it('has unique, non-empty names', () => {
    const names = entries.map((e) => e.name);
    expect(names.every((n) => n.trim() === n && n.length > 0)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });

  it('has no GREASE entries (lookup recognises those)', () => {
    const grease = entries.filter((e) => (width === 2 ? isGrease16(e.code) : false));
    expect(grease).toEqual([]);
  });
});

describe('GREASE and unknown values', () => {
  it('reads GREASE and unknown code points the same way in every 16-bit registry', () => {
    const sixteen: Registry<RegistryEntry>[] = [cipherSuites, extensionTypes, namedGroups, signatureSchemes, protocolVersions];
    for (const t of sixteen) {
      expect(label(t, 0x0a0a)).toBe('GREASE (0x0a0a)');
      expect(label(t, 0xfafa)).toBe('GREASE (0xfafa)');
    }
    expect(label(cipherSuites, 0x1399)).toBe('unknown (0x1399)');
    expect(describeCode(namedGroups, 0x0a0a)).toMatchObject({ grease: true, known: false });
  });

  it('knows PskKeyExchangeMode GREASE (0x0b + 0x1f·n) and the table holds none', () => {
    const all = Array.from({ length: 256 }, (_, i) => i).filter(isGreasePskMode);
    expect(all).toEqual([0x0b, 0x2a, 0x49, 0x68, 0x87, 0xa6, 0xc5, 0xe4]);
    expect([...pskKeyExchangeModes.keys()].some(isGreasePskMode)).toBe(false);
  });
});

describe('golden entries', () => {
  it('cipher suites', () => {
    expect(suiteInfo(0x1301)).toMatchObject({
      name: 'TLS_AES_128_GCM_SHA256',
      openssl: 'TLS_AES_128_GCM_SHA256',
      kx: 'any',
      auth: 'any',
      enc: 'AES_128_GCM',
      mac: 'AEAD',
      prf: 'SHA256',
      tls13: true,
    });
    expect(suiteInfo(0xc02f)).toMatchObject({
      name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      openssl: 'ECDHE-RSA-AES128-GCM-SHA256',
      kx: 'ECDHE',
      auth: 'RSA',
      enc: 'AES_128_GCM',
      mac: 'AEAD',
      bits: 128,
    });
    expect(suiteInfo(0xc030)).toMatchObject({ prf: 'SHA384', enc: 'AES_256_GCM' });
    expect(suiteInfo(0x000a)).toMatchObject({ name: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', openssl: 'DES-CBC3-SHA', kx: 'RSA', enc: '3DES_EDE_CBC', mac: 'SHA', bits: 112 });
    expect(suiteInfo(0x0003)).toMatchObject({ name: 'TLS_RSA_EXPORT_WITH_RC4_40_MD5', enc: 'RC4_40', mac: 'MD5', export: true, bits: 40 });
    expect(suiteInfo(0x0018)).toMatchObject({ name: 'TLS_DH_anon_WITH_RC4_128_MD5', kx: 'DH', auth: 'anon' });
    expect(suiteInfo(0x0029)).toMatchObject({ name: 'TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5', kx: 'KRB5', enc: 'DES40_CBC', export: true });
    expect(suiteInfo(0xc0aa)).toMatchObject({ kx: 'DHE_PSK', auth: 'PSK', enc: 'AES_128_CCM_8', mac: 'AEAD' });
    expect(suiteInfo(0xc09c)).toMatchObject({ name: 'TLS_RSA_WITH_AES_128_CCM', mac: 'AEAD', prf: 'SHA256' });
    expect(suiteInfo(0xc01e)).toMatchObject({ kx: 'SRP', auth: 'RSA' });
    expect(suiteInfo(0xcca8)).toMatchObject({ enc: 'CHACHA20_POLY1305', kx: 'ECDHE' });
    expect(suiteInfo(0xc0b4)).toMatchObject({ name: 'TLS_SHA256_SHA256', tls13: true, enc: 'NULL', mac: 'SHA256' });
    expect(suiteInfo(0xc0b5)).toMatchObject({ name: 'TLS_SHA384_SHA384', tls13: true, prf: 'SHA384' });
    expect(suiteInfo(0x00ff)).toMatchObject({ name: 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV', scsv: true });
    expect(suiteInfo(0x5600)).toMatchObject({ name: 'TLS_FALLBACK_SCSV', scsv: true });
    expect(suiteInfo(0xc103)).toMatchObject({ tls13: true, prf: 'STREEBOG256' });
    expect(suiteInfo(0xcc13)).toMatchObject({ unofficial: true, kx: 'ECDHE' });
    expect(suiteInfo(0x0a0a)).toBeUndefined();
    expect(label(cipherSuites, 0x0a0a)).toBe('GREASE (0x0a0a)');
  });

  it('every TLS 1.3 suite is flagged and says so in kx/auth', () => {
    const t13 = [...cipherSuites.values()].filter((s) => s.tls13).map((s) => s.code);
    expect(t13).toEqual(expect.arrayContaining([0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0xc0b4, 0xc0b5]));
    for (const s of cipherSuites.values()) {
      expect(s.tls13 === true).toBe(s.kx === 'any');
      expect(s.tls13 === true).toBe(s.auth === 'any');
    }
    expect([...cipherSuites.values()].filter((s) => s.scsv).map((s) => s.code)).toEqual([0x00ff, 0x5600]);
  });

  it('uses one vocabulary in every column', () => {
    const kx = new Set(['ECDHE', 'DHE', 'ECDH', 'DH', 'RSA', 'PSK', 'DHE_PSK', 'ECDHE_PSK', 'RSA_PSK', 'SRP', 'KRB5', 'ECCPWD', 'GOST', 'CECPQ1', 'NULL', 'any']);
    const auth = new Set(['RSA', 'DSS', 'ECDSA', 'anon', 'PSK', 'SRP', 'KRB5', 'ECCPWD', 'GOST', 'NULL', 'any']);
    const mac = new Set(['AEAD', 'SHA', 'SHA256', 'SHA384', 'MD5', 'OMAC', 'IMIT', 'GOSTR3411', 'NULL']);
    for (const s of cipherSuites.values()) {
      expect(kx.has(s.kx) ? '' : `${s.name}: kx ${s.kx}`).toBe('');
      expect(auth.has(s.auth) ? '' : `${s.name}: auth ${s.auth}`).toBe('');
      expect(mac.has(s.mac) ? '' : `${s.name}: mac ${s.mac}`).toBe('');
      expect(s.enc).toMatch(/^[A-Z0-9_]+$/);
      // AEAD ciphers never carry a separate MAC and vice versa.
      const aead = /GCM|CCM|POLY1305|MGM|AEGIS|ASCON/.test(s.enc);
      expect(aead ? s.mac === 'AEAD' : s.mac !== 'AEAD').toBe(true);
      expect(s.enc === 'NULL' ? s.bits === 0 : s.bits >= 40).toBe(true);
    }
  });

  it('isForwardSecret: ECDHE/DHE/TLS 1.3 yes; RSA, static DH, anon, PSK, SCSV, unknown no', () => {
    expect(isForwardSecret(0xc02f)).toBe(true); // ECDHE-RSA
    expect(isForwardSecret(0x009e)).toBe(true); // DHE-RSA
    expect(isForwardSecret(0x1301)).toBe(true);
    expect(isForwardSecret(0xccac)).toBe(true); // ECDHE-PSK
    expect(isForwardSecret(0x009c)).toBe(false); // RSA key transport
    expect(isForwardSecret(0xc031)).toBe(false); // static ECDH
    expect(isForwardSecret(0x0034)).toBe(false); // DH_anon
    expect(isForwardSecret(0x00a8)).toBe(false); // PSK
    expect(isForwardSecret(0x00ff)).toBe(false);
    expect(isForwardSecret(0x0a0a)).toBe(false);
    expect(isForwardSecret(0x1399)).toBe(false);
  });

  it('extensions', () => {
    expect(label(extensionTypes, 0xfe0d)).toBe('encrypted_client_hello (0xfe0d)');
    expect(extensionTypes.get(0xff01)?.name).toBe('renegotiation_info');
    expect(extensionTypes.get(27)?.name).toBe('compress_certificate');
    expect(extensionTypes.get(51)?.name).toBe('key_share');
    expect(Ext.key_share).toBe(51);
    expect(Ext.renegotiation_info).toBe(0xff01);
    expect(Ext.encrypted_client_hello).toBe(0xfe0d);
    expect(Ext.compress_certificate).toBe(27);
    expect(Ext.extended_master_secret).toBe(23);
    expect(Ext.alpn).toBe(16);
  });

  it('Ext names every extension in the table, and every Ext value is in the table', () => {
    const ext: Record<string, number> = Ext;
    for (const e of extensionTypes.values()) expect([e.name, ext[e.name]]).toEqual([e.name, e.code]);
    for (const [name, code] of Object.entries(ext)) expect([name, extensionTypes.has(code)]).toEqual([name, true]);
  });

  it('groups', () => {
    expect(groupInfo(0x11ec)).toMatchObject({ name: 'X25519MLKEM768', family: 'hybrid-pq', keyShareLength: 1216, serverShareLength: 1120 });
    expect(groupInfo(0x11eb)).toMatchObject({ name: 'SecP256r1MLKEM768', keyShareLength: 1249 });
    expect(groupInfo(0x11ed)).toMatchObject({ name: 'SecP384r1MLKEM1024', keyShareLength: 1665 });
    expect(groupInfo(0x6399)).toMatchObject({ name: 'X25519Kyber768Draft00', family: 'hybrid-pq' });
    expect(groupInfo(0x0201)).toMatchObject({ name: 'MLKEM768', family: 'pq', keyShareLength: 1184 });
    expect(groupInfo(29)).toMatchObject({ name: 'x25519', family: 'ecdhe', keyShareLength: 32 });
    expect(groupInfo(23)).toMatchObject({ name: 'secp256r1', keyShareLength: 65 });
    expect(groupInfo(25)).toMatchObject({ name: 'secp521r1', keyShareLength: 133 });
    expect(groupInfo(30)).toMatchObject({ name: 'x448', keyShareLength: 56 });
    expect(groupInfo(256)).toMatchObject({ name: 'ffdhe2048', family: 'ffdhe', keyShareLength: 256 });
    expect(groupInfo(31)?.name).toBe('brainpoolP256r1tls13');
    expect(groupInfo(0xff01)).toMatchObject({ name: 'arbitrary_explicit_prime_curves', family: 'other' });
    expect(Group.x25519).toBe(29);
    for (const [name, code] of Object.entries(Group)) expect(namedGroups.get(code)?.name).toBe(name);
  });

  it('signature schemes', () => {
    expect(signatureSchemeInfo(0x0804)).toMatchObject({ name: 'rsa_pss_rsae_sha256', sig: 'rsa_pss_rsae', hash: 'sha256' });
    expect(signatureSchemeInfo(0x0201)).toMatchObject({ name: 'rsa_pkcs1_sha1', hash: 'sha1' });
    expect(signatureSchemeInfo(0x0202)).toMatchObject({ name: 'dsa_sha1', legacy: true });
    expect(signatureSchemeInfo(0x0203)).toMatchObject({ name: 'ecdsa_sha1' });
    expect(signatureSchemeInfo(0x0303)).toMatchObject({ name: 'ecdsa_sha224', legacy: true });
    expect(signatureSchemeInfo(0x0807)).toMatchObject({ name: 'ed25519', sig: 'eddsa' });
    expect(signatureSchemeInfo(0x081a)?.name).toBe('ecdsa_brainpoolP256r1tls13_sha256');
    expect(signatureSchemeInfo(0x0905)?.name).toBe('mldsa65');
    // Legacy pairs are hash byte × signature byte, named from the two TLS 1.2 registries.
    for (const s of signatureSchemes.values()) {
      if (!s.legacy || s.code >= 0x0800) continue;
      const hash = hashAlgorithms.get(s.code >> 8)?.name;
      const sig = signatureAlgorithms.get(s.code & 0xff)?.name;
      expect(s.hash).toBe(hash);
      expect(s.name.startsWith(sig === 'rsa' ? 'rsa_pkcs1' : String(sig))).toBe(true);
    }
    for (const [name, code] of Object.entries(Sig)) expect(signatureSchemes.get(code)?.name).toBe(name);
  });

  it('alerts, handshake types, content types', () => {
    expect(label(alertDescriptions, 70, 1)).toBe('protocol_version (0x46)');
    expect(alertDescriptions.get(40)?.name).toBe('handshake_failure');
    expect(alertDescriptions.get(121)?.name).toBe('ech_required');
    expect(alertLevels.get(2)?.name).toBe('fatal');
    expect(Alert.handshake_failure).toBe(40);
    expect(AlertLevel.fatal).toBe(2);
    for (const [name, code] of Object.entries(Alert)) expect(alertDescriptions.get(code)?.name).toBe(name);
    expect(HS.client_hello).toBe(1);
    expect(HS.certificate_verify).toBe(15);
    for (const [name, code] of Object.entries(HS)) expect(handshakeTypes.get(code)?.name).toBe(name);
    expect(handshakeTypes.size).toBe(Object.keys(HS).length);
    for (const [name, code] of Object.entries(ContentType)) expect(contentTypes.get(code)?.name).toBe(name);
    expect(contentTypes.size).toBe(Object.keys(ContentType).length);
  });

  it('versions', () => {
    expect(versionName(0x0303)).toBe('TLS 1.2');
    expect(versionName(0x0304)).toBe('TLS 1.3');
    expect(versionName(0x0301)).toBe('TLS 1.0');
    expect(versionName(0x0300)).toBe('SSL 3.0');
    expect(versionName(0x0002)).toBe('SSL 2.0');
    expect(versionName(0xfefd)).toBe('DTLS 1.2');
    expect(versionName(0xfefc)).toBe('DTLS 1.3');
    expect(versionName(0xfeff)).toBe('DTLS 1.0');
    expect(versionName(0x7f17)).toBe('TLS 1.3 draft-23');
    expect(versionName(0x7f1c)).toBe('TLS 1.3 draft-28');
    expect(versionName(0x7f01)).toBe('TLS 1.3 draft-1');
    // Facebook's Fizz draft variant is not an IETF draft: unknown, with its code point.
    expect(versionName(0xfb1a)).toBe('unknown (0xfb1a)');
    expect(versionName(0x7a7a)).toBe('GREASE');
    expect(versionName(0x0305)).toBe('unknown (0x0305)');
    for (const [, code] of Object.entries(Version)) expect(protocolVersions.has(code)).toBe(true);
  });

  it('byName finds entries by exact name', () => {
    expect(byName(namedGroups, 'X25519MLKEM768')?.code).toBe(0x11ec);
    expect(byName(cipherSuites, 'TLS_CHACHA20_POLY1305_SHA256')?.code).toBe(0x1303);
    expect(byName(namedGroups, 'nope')).toBeUndefined();
    expect(Suite.TLS_FALLBACK_SCSV).toBe(0x5600);
    for (const [name, code] of Object.entries(Suite)) expect(cipherSuites.get(code)?.name).toBe(name);
  });
});
