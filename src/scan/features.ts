// Question 6, which protocol features: ALPN (by elimination), OCSP stapling, session tickets,
// secure renegotiation, extended master secret, encrypt-then-MAC, compression, TLS_FALLBACK_SCSV
// and the TLS 1.3 downgrade sentinel. Each check is one small job answering some fields; a field
// no job could answer stays null ("could not be determined"). TLS ≤ 1.2 checks read the
// ServerHello of the best version below 1.3; a TLS 1.3-only server is asked with hand-built TLS 1.3
// handshakes read up to the server's Finished (handshake13.ts), and Node for its tickets.

import { ALPN_CANDIDATES, suiteCandidates } from './candidates.js';
import type { ScanContext } from './context.js';
import { eliminate } from './elimination.js';
import { handshake13, type Handshake13 } from './handshake13.js';
import type { FeatureScan } from './types.js';
import { probeBest12, type VersionsFound } from './versions.js';
import { Alert, Ext, Suite, suiteInfo, Version } from '../registry/index.js';

type Answer = Promise<Partial<FeatureScan>>;

async function tls12Extensions(ctx: ScanContext, found: VersionsFound): Answer {
  const r = await probeBest12(ctx, found, [{ type: 'status_request' }, { type: 'session_ticket' }, { type: 'extended_master_secret' }]);
  const sh = r.flight.serverHello;
  if (!sh) return {};
  return {
    secureRenegotiation: sh.secureRenegotiation,
    extendedMasterSecret: sh.extensionTypes.includes(Ext.extended_master_secret),
    sessionTickets: sh.extensionTypes.includes(Ext.session_ticket),
    ocspStapling: Boolean(r.flight.ocspStapled),
  };
}

async function encryptThenMac(ctx: ScanContext, found: VersionsFound, cbc: readonly number[]): Answer {
  const r = await probeBest12(ctx, found, [{ type: 'encrypt_then_mac' }], { suites: cbc });
  return r.flight.serverHello ? { encryptThenMac: r.flight.serverHello.extensionTypes.includes(Ext.encrypt_then_mac) } : {};
}

async function alpn12(ctx: ScanContext, found: VersionsFound): Answer {
  const alpn = await eliminate(ALPN_CANDIDATES, async (remaining) => {
    const r = await probeBest12(ctx, found, [{ type: 'alpn', protocols: remaining }]);
    return r.flight.serverHello?.alpn;
  });
  return { alpn };
}

async function compression(ctx: ScanContext, found: VersionsFound): Answer {
  const r = await probeBest12(ctx, found, [], { compression: [1, 0] });
  const m = r.flight.serverHello?.compressionMethod;
  return m !== undefined ? { compression: m === 0 ? [] : [m] } : {};
}

/**
 * TLS 1.3 only: ALPN (in EncryptedExtensions) by elimination and the OCSP staple (in the encrypted
 * Certificate) from hand-built handshakes, the staple read in the first round; the
 * NewSessionTicket comes after the client's Finished, which those never send, so Node is asked
 * for it. When the hand-built handshakes cannot be read, Node answers everything as before.
 */
async function tls13Only(ctx: ScanContext): Answer {
  const ticketWaitMs = Math.min(300, ctx.opts.timeoutMs);
  const rounds: Handshake13[] = [];
  const alpnRound = (remaining: readonly string[]): Promise<string | undefined> =>
    handshake13(ctx, { alpn: remaining }).then((r) => {
      rounds.push(r);
      return r.outcome === 'complete' ? r.alpn : undefined;
    });
  const [alpn, node] = await Promise.all([eliminate(ALPN_CANDIDATES, alpnRound), ctx.node13({ ticketWaitMs })]);
  const first = rounds[0];
  if (first.outcome === 'hello-retry' || first.outcome === 'not-determined') return tls13OnlyNode(ctx);
  // Refused with ALPN offered (no_application_protocol): the staple is asked without it.
  const plain = first.outcome === 'complete' ? first : await handshake13(ctx);
  return {
    alpn,
    ocspStapling: plain.outcome === 'complete' ? (plain.ocspStapled ?? false) : null,
    sessionTickets: node.ok ? (node.sessionTicket ?? null) : null,
  };
}

/** TLS 1.3 only, through Node (the hand-built handshakes could not be read). */
async function tls13OnlyNode(ctx: ScanContext): Answer {
  const alpn = eliminate(ALPN_CANDIDATES, async (remaining) => (await ctx.node13({ alpn: [...remaining] })).alpn);
  const r = await ctx.node13({ requestOcsp: true, ticketWaitMs: Math.min(300, ctx.opts.timeoutMs) });
  const more = r.ok ? { ocspStapling: r.ocspStapled ?? null, sessionTickets: r.sessionTicket ?? null } : {};
  return { alpn: await alpn, ...more };
}

/** TLS_FALLBACK_SCSV (RFC 7507): claim a lower maximum than the server has; a protected server answers inappropriate_fallback. */
async function fallbackScsv(ctx: ScanContext, lower: number): Answer {
  const r = await ctx.probe({ version: lower, suites: suiteCandidates(lower), sni: ctx.target.sni, signals: [Suite.TLS_FALLBACK_SCSV] });
  if (r.flight.alert?.description === Alert.inappropriate_fallback) return { fallbackScsv: 'protected' };
  return r.flight.serverHello ? { fallbackScsv: 'not-protected' } : {};
}

/** RFC 8446 §4.1.3: a 1.3-capable server marks the random of a lower-version ServerHello. */
function downgradeSentinel(found: VersionsFound, best12: number): Partial<FeatureScan> {
  const sh = found.firstRounds.get(best12)?.flight.serverHello;
  const want = best12 === Version.TLS12 ? 'tls12' : 'tls11';
  return sh ? { downgradeSentinel: sh.downgradeSentinel === want ? 'present' : 'missing' } : {};
}

/** The checks that apply to what the server supports, started in a fixed order. */
function featureJobs(ctx: ScanContext, found: VersionsFound): Answer[] {
  const { best12, has13, supported } = found;
  const jobs: Answer[] = [];
  if (best12 !== undefined && best12 > Version.SSL3) {
    jobs.push(tls12Extensions(ctx, found));
    const cbc = found.candidates12.filter((c) => (suiteInfo(c)?.enc ?? '').includes('CBC'));
    if (cbc.length > 0) jobs.push(encryptThenMac(ctx, found, cbc));
    jobs.push(alpn12(ctx, found));
  } else if (best12 === Version.SSL3) {
    jobs.push(Promise.resolve({ secureRenegotiation: Boolean(found.firstRounds.get(Version.SSL3)?.flight.serverHello?.secureRenegotiation) }));
  }
  if (best12 !== undefined) jobs.push(compression(ctx, found));
  if (has13 && best12 === undefined) jobs.push(tls13Only(ctx));
  const lower = [...supported].filter((v) => v < Math.max(...supported)).pop();
  if (lower !== undefined) jobs.push(fallbackScsv(ctx, lower));
  if (has13 && best12 !== undefined) jobs.push(Promise.resolve(downgradeSentinel(found, best12)));
  return jobs;
}

export async function scanFeatures(ctx: ScanContext, found: VersionsFound): Promise<FeatureScan> {
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
  // No two jobs that run together answer the same field, so the order of merging is immaterial.
  for (const answer of await Promise.all(featureJobs(ctx, found))) Object.assign(f, answer);
  return f;
}
