// The scan: versions, cipher suites per version with the server's order, groups, signature
// schemes, certificates and protocol features, from hand-built hellos over plain sockets (plus a
// few full Node handshakes for what TLS 1.3 encrypts). Independent questions run concurrently
// under the Prober's limit; each elimination is sequential by nature.

import net, { type LookupFunction } from 'node:net';
import { buildClientHello, buildSslv2ClientHello, SSL2_CIPHER_SPECS, type ExtensionSpec } from './client-hello-builder.js';
import { ALPN_CANDIDATES, groupCandidates, SCANNED_VERSIONS, signatureSchemeCandidates, suiteCandidates, TLS13_SIGNATURE_SCHEMES } from './candidates.js';
import { eliminate, eliminateChunked, preferenceOf } from './elimination.js';
import { canMakeKeyShare, keyShareFor } from './key-shares.js';
import { resolveHost } from '../capture/resolve.js';
import { Prober, STALL_LIMIT, type ProbeEndpoint, type ProbeResult } from './probe.js';
import { nodeHandshake, nodeKnowsSigalg, type NodeHandshakeResult } from './node-handshake.js';
import { summariseCertificate } from './certificate-summary.js';
import { deriveFindings } from './findings.js';
import type { AcceptedSuite, CertificateSeen, FeatureScan, GroupScan, ScanResult, VersionScan } from './types.js';
import { Alert, alertDescriptions, describe, Ext, Group, Suite, suiteInfo, Version, versionName } from '../registry/index.js';

export interface ScanOptions {
  host: string;
  port: number;
  /** SNI; default the host unless it is an IP literal; `false` sends none. */
  servername?: string | false;
  /** Per-probe deadline, ms. */
  timeoutMs: number;
  /** Probes in flight at once. */
  concurrency: number;
  lookup?: LookupFunction;
  /** Called as steps start and finish with (done, planned, probes sent so far). */
  onProgress?: (done: number, planned: number, probes: number) => void;
  /** Largest number of suites in one hello (keeps hellos far below 16 KiB). */
  maxSuitesPerHello?: number;
}

/** A scan that could not start: the CLI maps `code` to an exit code. */
export class ScanError extends Error {
  constructor(
    readonly code: 'dns' | 'connect' | 'timeout' | 'not-tls',
    message: string,
  ) {
    super(message);
    this.name = 'ScanError';
  }
}

/** x25519 and secp256r1: the shares a typical browser sends. */
const TYPICAL_SHARES = [Group.x25519, Group.secp256r1];

interface HelloParams {
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
}

export function makeHello(p: HelloParams): Uint8Array {
  const suites = [...p.suites, ...(p.signals ?? [])];
  if (p.version === Version.SSL3) {
    // SSL 3.0 hellos carry no extensions; RFC 5746 lets the SCSV stand in for renegotiation_info.
    return buildClientHello({ recordVersion: Version.SSL3, version: Version.SSL3, cipherSuites: [...suites, Suite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV], compressionMethods: p.compression });
  }
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
  } else exts.push({ type: 'renegotiation_info' });
  if (p.extra) exts.push(...p.extra);
  exts.push({ type: 'padding' });
  return buildClientHello({
    recordVersion: Version.TLS10,
    version: tls13 ? Version.TLS12 : p.version,
    // A 32-byte legacy session id keeps middlebox-compatible 1.3 servers on their usual path.
    sessionId: tls13 ? new Uint8Array(32).fill(0x5a) : undefined,
    cipherSuites: suites,
    compressionMethods: p.compression,
    extensions: exts,
  });
}

/** The suite the server picked for `version`, if it accepted that version at all. */
function pickedSuite(r: ProbeResult, version: number): number | undefined {
  const sh = r.flight.serverHello;
  if (!sh || sh.version !== version) return undefined;
  return sh.cipherSuite;
}

function refusalOf(r: ProbeResult): string {
  const f = r.flight;
  if (f.alert) return `alert ${describe(alertDescriptions, f.alert.description, 1).name} (${f.alert.description})`;
  if (f.serverHello) return `server answered with ${versionName(f.serverHello.version)}`;
  if (f.notTls) return 'not TLS';
  if (f.problem) return f.problem;
  return r.end === 'answered' ? 'no usable answer' : `connection ${r.end}${r.errorCode ? ` (${r.errorCode})` : ''}`;
}

/** The first address of `host`, through the capture layer's resolver and within the probe deadline. */
async function resolve(host: string, timeoutMs: number, lookup?: LookupFunction): Promise<{ address: string; family: 4 | 6 }> {
  const r = await resolveHost(host, { timeoutMs, ...(lookup ? { lookup } : {}) });
  if ('error' in r) throw new ScanError('dns', r.error);
  const { address, family } = r.addresses[0];
  return { address, family: family === 6 ? 6 : 4 };
}

export async function scanServer(opts: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const { address, family } = await resolve(opts.host, opts.timeoutMs, opts.lookup);
  const sni = opts.servername === false ? undefined : (opts.servername ?? (net.isIP(opts.host) ? undefined : opts.host));
  const endpoint: ProbeEndpoint = { address, port: opts.port };
  const prober = new Prober(endpoint, { concurrency: opts.concurrency, timeoutMs: opts.timeoutMs });
  const chunk = opts.maxSuitesPerHello ?? 4000;
  const notes: string[] = [];
  let nodeHandshakes = 0;

  let planned = 0;
  let finished = 0;
  const step = <T>(p: Promise<T>): Promise<T> => {
    planned++;
    opts.onProgress?.(finished, planned, prober.stats.probes);
    return p.finally(() => opts.onProgress?.(++finished, planned, prober.stats.probes));
  };

  const certs = new Map<string, CertificateSeen>();
  // Most probes carry the same chain: summarise each distinct chain once.
  const summaries = new Map<string, ReturnType<typeof summariseCertificate>>();
  const noteCertificate = (chain: readonly Buffer[] | undefined, context: string): void => {
    if (!chain || chain.length === 0) return;
    const key = chain.map((c) => c.toString('base64')).join(',');
    if (!summaries.has(key)) summaries.set(key, summariseCertificate(chain));
    const s = summaries.get(key);
    if (!s) return;
    const seen = certs.get(s.sha256) ?? { ...s, servedFor: [] };
    if (!seen.servedFor.includes(context)) seen.servedFor.push(context);
    certs.set(s.sha256, seen);
  };
  const sniLabel = sni ? `SNI ${sni}` : 'no SNI';
  const fromHex = (h: string): Buffer => Buffer.from(h, 'hex');

  // ---- Phase 1: one hello per version, all at once, offering every candidate suite. A ServerHello
  // for that version means it is supported and names the server's first suite.
  const ssl2Probe = step(prober.probe(buildSslv2ClientHello(SSL2_CIPHER_SPECS)));
  const firstRounds = new Map<number, ProbeResult>(
    await Promise.all(
      SCANNED_VERSIONS.map(
        async (v) => [v, await step(prober.probe(makeHello({ version: v, suites: suiteCandidates(v), sni }), { fullFlight: v < Version.TLS13 }))] as const,
      ),
    ),
  );
  const supported = SCANNED_VERSIONS.filter((v) => pickedSuite(firstRounds.get(v)!, v) !== undefined);

  // Nothing answered at all: the scan cannot say anything about TLS. Say why, as the trace would.
  if (supported.length === 0) {
    const all = [...firstRounds.values()];
    if (all.every((r) => r.end === 'connect-failed')) {
      throw new ScanError('connect', `cannot connect to ${address} port ${opts.port}: ${all[0].errorCode ?? 'refused'}`);
    }
    if (all.every((r) => r.end === 'timeout')) {
      throw new ScanError('timeout', `no answer from ${address} port ${opts.port} within ${opts.timeoutMs} ms`);
    }
    if (all.some((r) => r.flight.notTls)) throw new ScanError('not-tls', `${address} port ${opts.port} does not speak TLS`);
    // It answered, but not as a server (an echo peer returns our ClientHello): say with what.
    const wrong = all.find((r) => r.flight.notServerAnswer)?.flight.problem;
    if (wrong) throw new ScanError('not-tls', `${address} port ${opts.port}: ${wrong}`);
    if (all.every((r) => r.bytesReceived === 0 && (r.end === 'reset' || r.end === 'closed')) && !(await ssl2Probe).flight.sslv2) {
      throw new ScanError('connect', `${address} port ${opts.port} closed every connection without answering a ClientHello`);
    }
  }

  const best12 = [...supported].filter((v) => v < Version.TLS13 && v > Version.SSL3).pop() ?? (supported.includes(Version.SSL3) ? Version.SSL3 : undefined);
  const has13 = supported.includes(Version.TLS13);
  const candidates12 = best12 !== undefined ? suiteCandidates(best12) : [];

  // ---- Phase 2: the rest of each version's suites, and every other question, concurrently. The
  // other questions offer all candidates rather than the accepted list, so they need not wait.
  const enumerateSuites = async (version: number): Promise<VersionScan> => {
    const details = new Map<number, AcceptedSuite>();
    const record = (r: ProbeResult, pick: number): void => {
      if (version >= Version.TLS13 || details.has(pick)) return;
      const kx = r.flight.keyExchange;
      details.set(pick, { code: pick, group: kx?.namedGroup, dhBits: kx?.dhPBits });
      const auth = suiteInfo(pick)?.auth ?? 'unknown';
      noteCertificate(r.flight.certificates?.map(fromHex), `${versionName(version)} ${auth} suites, ${sniLabel}`);
    };
    const round = async (remaining: readonly number[]): Promise<number | undefined> => {
      const r = await prober.probe(makeHello({ version, suites: remaining, sni }), { fullFlight: version < Version.TLS13 });
      const pick = pickedSuite(r, version);
      if (pick !== undefined) record(r, pick);
      return pick;
    };
    const first = firstRounds.get(version)!;
    const a = pickedSuite(first, version)!;
    record(first, a);
    let rest = suiteCandidates(version).filter((c) => c !== a);
    const b = await round(rest);
    let codes: number[];
    let order: VersionScan['order'] = 'single';
    if (b === undefined || !rest.includes(b)) codes = [a];
    else {
      rest = rest.filter((c) => c !== b);
      order = await preferenceOf([a, b], round);
      let more: number[];
      if (order === 'client') {
        // The server takes the first suite it knows from our list, so the rest can be enumerated in
        // independent slices of the list at once; concatenated, they are still in offer order.
        const slices = Math.max(1, Math.min(opts.concurrency, Math.ceil(rest.length / 16)));
        const size = Math.ceil(rest.length / slices);
        const parts: number[][] = [];
        for (let i = 0; i < rest.length; i += size) parts.push(rest.slice(i, i + size));
        more = (await Promise.all(parts.map((part) => eliminate(part, round)))).flat();
      } else more = await eliminateChunked(rest, chunk, round);
      codes = [a, b, ...more];
    }
    return { version, supported: true, suites: codes.map((c) => details.get(c) ?? { code: c }), order };
  };
  const versionsTask = Promise.all(
    SCANNED_VERSIONS.map((v): Promise<VersionScan> =>
      supported.includes(v)
        ? step(enumerateSuites(v))
        : Promise.resolve({ version: v, supported: false, suites: [], refusal: refusalOf(firstRounds.get(v)!) }),
    ),
  );

  // A probe in the best TLS ≤ 1.2 version, offering all its candidate suites plus extra extensions.
  const probe12 = (extra: ExtensionSpec[], suites = candidates12, more: { sni?: string | null; compression?: number[]; signals?: number[] } = {}): Promise<ProbeResult> =>
    prober.probe(
      makeHello({ version: best12!, suites, sni: more.sni === null ? undefined : sni, extra, compression: more.compression, signals: more.signals }),
      { fullFlight: true },
    );
  const node13 = (o: { sigalgs?: string; alpn?: string[]; servername?: string; requestOcsp?: boolean; ticketWaitMs?: number; wantChain?: boolean }): Promise<NodeHandshakeResult> =>
    prober.limit(() => {
      nodeHandshakes++;
      return nodeHandshake(endpoint, { version: 'TLSv1.3', timeoutMs: opts.timeoutMs, ...o, servername: o.servername ?? sni });
    });

  const groups13Task: Promise<GroupScan | null> = has13
    ? step(
        (async () => {
          const suites13 = suiteCandidates(Version.TLS13);
          // Empty key_share: the server must answer with a HelloRetryRequest naming its group, so
          // groups Node cannot make shares for (FFDHE, ML-KEM hybrids) are enumerated too.
          const roundWith = (shares: 'none' | 'all') => async (remaining: readonly number[]): Promise<number | undefined> => {
            const r = await prober.probe(
              makeHello({ version: Version.TLS13, suites: suites13, groups: remaining, shares: shares === 'none' ? [] : remaining.filter(canMakeKeyShare), sni }),
            );
            const sh = r.flight.serverHello;
            return sh && sh.version === Version.TLS13 ? sh.selectedGroup : undefined;
          };
          let round = roundWith('none');
          let groups = await eliminate(groupCandidates(Version.TLS13), round);
          if (groups.length === 0) {
            // A server that refuses an empty key_share: offer real shares for every group Node can
            // make (the server then names one in its ServerHello or a HelloRetryRequest).
            notes.push('the server refused a TLS 1.3 hello with an empty key_share; groups were probed with real key shares');
            round = roundWith('all');
            groups = await eliminate(groupCandidates(Version.TLS13), round);
          }
          const order = await preferenceOf(groups, round);
          const usual: number[] = [Group.x25519, Group.secp256r1, Group.secp384r1, Group.secp521r1];
          const typical = await prober.probe(makeHello({ version: Version.TLS13, suites: suites13, groups: [...usual, ...groups.filter((g) => !usual.includes(g))], sni }));
          const tsh = typical.flight.serverHello;
          return {
            groups,
            order,
            typicalClient: tsh && tsh.selectedGroup !== undefined ? { group: tsh.selectedGroup, helloRetryRequest: tsh.helloRetryRequest } : undefined,
          };
        })(),
      )
    : Promise.resolve(null);

  const ecdheSuites12 = candidates12.filter((c) => (suiteInfo(c)?.kx ?? '').toUpperCase().startsWith('ECDHE'));
  const groups12Task: Promise<GroupScan | null> =
    best12 !== undefined && best12 > Version.SSL3 && ecdheSuites12.length > 0
      ? step(
          (async () => {
            const round = async (remaining: readonly number[]): Promise<number | undefined> => {
              const r = await prober.probe(makeHello({ version: best12, suites: ecdheSuites12, groups: remaining, sni }), { fullFlight: true });
              return pickedSuite(r, best12) !== undefined ? r.flight.keyExchange?.namedGroup : undefined;
            };
            const groups = await eliminate(groupCandidates(best12), round);
            return { groups, order: await preferenceOf(groups, round) };
          })(),
        )
      : Promise.resolve(null);

  const signed12 = (supported.includes(Version.TLS12) ? suiteCandidates(Version.TLS12) : []).filter((c) => {
      const i = suiteInfo(c);
      return i && /^(EC)?DHE/.test(i.kx.toUpperCase()) && !['anon', 'NULL', 'PSK'].includes(i.auth);
    });
  const sigs12Task: Promise<number[] | null> =
    signed12.length > 0
      ? step(
          eliminate(signatureSchemeCandidates(), async (remaining) => {
            const r = await prober.probe(makeHello({ version: Version.TLS12, suites: signed12, sigs: remaining, sni }), { fullFlight: true });
            return pickedSuite(r, Version.TLS12) !== undefined ? r.flight.keyExchange?.signatureScheme : undefined;
          }),
        )
      : Promise.resolve(null);

  // TLS 1.3 schemes: first one handshake per key family (all its schemes allowed); only families
  // the server can sign with are then tried scheme by scheme. Names this OpenSSL does not know
  // cannot be offered by Node at all and are skipped.
  const sigs13Task: Promise<number[] | null> = has13
    ? step(
        (async () => {
          const usable = TLS13_SIGNATURE_SCHEMES.filter((s) => nodeKnowsSigalg(s.openssl));
          const families = [...new Set(usable.map((s) => s.family))];
          const found = await Promise.all(
            families.map(async (family) => {
              const members = usable.filter((s) => s.family === family);
              const any = await node13({ sigalgs: members.map((s) => s.openssl).join(':'), wantChain: true });
              if (!any.ok) return [];
              noteCertificate(any.chain, `TLS 1.3, ${sniLabel}`);
              if (members.length === 1) return [members[0].code];
              const each = await Promise.all(members.map(async (s) => ((await node13({ sigalgs: s.openssl })).ok ? s.code : undefined)));
              return each.filter((c): c is number => c !== undefined);
            }),
          );
          const ok = new Set(found.flat());
          return usable.filter((s) => ok.has(s.code)).map((s) => s.code);
        })(),
      )
    : Promise.resolve(null);

  // Certificates without SNI: one probe per authentication type the server accepted (so it waits
  // for the suite lists); for a TLS 1.3-only server, Node handshakes per key type.
  const noSniTask: Promise<unknown> = !sni
    ? Promise.resolve()
    : best12 !== undefined
      ? step(
          versionsTask.then((versions) => {
            const byAuth = new Map<string, number[]>();
            for (const s of versions.find((v) => v.version === best12)!.suites) {
              const auth = suiteInfo(s.code)?.auth ?? 'unknown';
              byAuth.set(auth, [...(byAuth.get(auth) ?? []), s.code]);
            }
            // Also every candidate at once: a server whose default certificate (no SNI) has a key
            // type the SNI one lacks would otherwise go unnoticed.
            const sets: Array<[string | undefined, number[]]> = [[undefined, candidates12], ...byAuth];
            return Promise.all(
              sets.map(([auth, suites]) =>
                probe12([], suites, { sni: null }).then((r) => {
                  const picked = r.flight.serverHello ? (suiteInfo(r.flight.serverHello.cipherSuite)?.auth ?? 'unknown') : undefined;
                  const what = auth ?? picked;
                  if (what) noteCertificate(r.flight.certificates?.map(fromHex), `${versionName(best12)} ${what} suites, no SNI`);
                }),
              ),
            );
          }),
        )
      : has13
        ? step(
            Promise.all(
              [
                ['ECDSA', 'ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512'],
                ['RSA', 'rsa_pss_rsae_sha256:rsa_pss_pss_sha256'],
              ].map(([kind, sigalgs]) => node13({ sigalgs, servername: '', wantChain: true }).then((r) => (r.ok ? noteCertificate(r.chain, `TLS 1.3 ${kind}, no SNI`) : undefined))),
            ),
          )
        : Promise.resolve();

  const featuresTask = step(scanFeatures());
  async function scanFeatures(): Promise<FeatureScan> {
    const f: FeatureScan = {
      alpn: null,
      ocspStapling: null,
      sessionTickets: null,
      secureRenegotiation: null,
      extendedMasterSecret: null,
      encryptThenMac: null,
      fallbackScsv: null,
      downgradeSentinel: null,
      compression: null,
    };
    const jobs: Array<Promise<void>> = [];
    if (best12 !== undefined && best12 > Version.SSL3) {
      jobs.push(
        probe12([{ type: 'status_request' }, { type: 'session_ticket' }, { type: 'extended_master_secret' }]).then((r) => {
          const sh = r.flight.serverHello;
          if (!sh) return;
          f.secureRenegotiation = sh.secureRenegotiation;
          f.extendedMasterSecret = sh.extensionTypes.includes(Ext.extended_master_secret);
          f.sessionTickets = sh.extensionTypes.includes(Ext.session_ticket);
          f.ocspStapling = Boolean(r.flight.ocspStapled);
        }),
      );
      const cbc = candidates12.filter((c) => (suiteInfo(c)?.enc ?? '').includes('CBC'));
      if (cbc.length > 0) {
        jobs.push(
          probe12([{ type: 'encrypt_then_mac' }], cbc).then((r) => {
            if (r.flight.serverHello) f.encryptThenMac = r.flight.serverHello.extensionTypes.includes(Ext.encrypt_then_mac);
          }),
        );
      }
      jobs.push(
        eliminate(ALPN_CANDIDATES, async (remaining) => {
          const r = await probe12([{ type: 'alpn', protocols: remaining }]);
          return r.flight.serverHello?.alpn;
        }).then((alpn) => {
          f.alpn = alpn;
        }),
      );
    } else if (best12 === Version.SSL3) {
      f.secureRenegotiation = Boolean(firstRounds.get(Version.SSL3)?.flight.serverHello?.secureRenegotiation);
    }
    if (best12 !== undefined) {
      jobs.push(
        probe12([], candidates12, { compression: [1, 0] }).then((r) => {
          const m = r.flight.serverHello?.compressionMethod;
          if (m !== undefined) f.compression = m === 0 ? [] : [m];
        }),
      );
    }
    if (has13 && best12 === undefined) {
      // TLS 1.3 only: ALPN, OCSP and tickets travel encrypted; ask Node.
      jobs.push(
        node13({ requestOcsp: true, ticketWaitMs: Math.min(300, opts.timeoutMs) }).then((r) => {
          if (!r.ok) return;
          f.ocspStapling = r.ocspStapled ?? null;
          f.sessionTickets = r.sessionTicket ?? null;
          f.secureRenegotiation = null;
          f.extendedMasterSecret = null;
        }),
        eliminate(ALPN_CANDIDATES, async (remaining) => (await node13({ alpn: [...remaining] })).alpn).then((alpn) => {
          f.alpn = alpn;
        }),
      );
    }
    // TLS_FALLBACK_SCSV (RFC 7507): claim a lower maximum than the server has; a protected server
    // answers inappropriate_fallback.
    const lower = [...supported].filter((v) => v < Math.max(...supported)).pop();
    if (lower !== undefined) {
      const suites = suiteCandidates(lower);
      jobs.push(
        prober.probe(makeHello({ version: lower, suites, sni, signals: [Suite.TLS_FALLBACK_SCSV] })).then((r) => {
          if (r.flight.alert?.description === Alert.inappropriate_fallback) f.fallbackScsv = 'protected';
          else if (r.flight.serverHello) f.fallbackScsv = 'not-protected';
        }),
      );
    }
    if (has13 && best12 !== undefined) {
      const sh = firstRounds.get(best12)?.flight.serverHello;
      const want = best12 === Version.TLS12 ? 'tls12' : 'tls11';
      if (sh) f.downgradeSentinel = sh.downgradeSentinel === want ? 'present' : 'missing';
    }
    await Promise.all(jobs);
    return f;
  }

  const ssl2 = await ssl2Probe;
  const [versions, groups13, groups12, sigs12, sigs13, features] = await Promise.all([
    versionsTask,
    groups13Task,
    groups12Task,
    sigs12Task,
    sigs13Task,
    featuresTask,
    noSniTask,
  ]);
  if (prober.stats.resets > 0) notes.push(`the server reset ${prober.stats.resets} connection(s); retried with backoff (${prober.stats.retries} retries)`);
  if (prober.stats.connectFailures > 0) notes.push(`${prober.stats.connectFailures} connection(s) were refused after earlier ones succeeded (rate limiting?); retried with backoff`);
  if (prober.stats.timeouts > 0) notes.push(`${prober.stats.timeouts} probe(s) timed out after ${opts.timeoutMs} ms; results may be incomplete`);
  if (prober.stats.abandoned) {
    notes.push(`${prober.stats.abandoned} probe(s) not sent: ${STALL_LIMIT} probes in a row timed out, so the server was taken to have stalled; results are incomplete`);
  }
  if (has13) notes.push('TLS 1.3 signature schemes come from full Node handshakes with one scheme allowed each');

  const result: ScanResult = {
    target: { host: opts.host, port: opts.port, address, family, servername: sni },
    startedAt,
    durationMs: 0,
    ssl2: ssl2.flight.sslv2 ? true : ssl2.end === 'timeout' ? null : false,
    versions,
    groups: { tls12: groups12, tls13: groups13 },
    signatureSchemes: { tls12: sigs12, tls13: sigs13 },
    certificates: [...certs.values()],
    features,
    findings: [],
    stats: { ...prober.stats, nodeHandshakes },
    notes,
  };
  result.findings = deriveFindings(result);
  result.durationMs = Math.round(performance.now() - started);
  return result;
}
