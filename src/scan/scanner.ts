// The scan: versions, cipher suites per version with the server's order, groups, signature
// schemes, certificates and protocol features, from hand-built hellos over capture-layer
// connections (plus a few full Node handshakes for what TLS 1.3 encrypts). Each question is its
// own module taking the shared ScanContext; the versions come first because every other question
// asks in a version the server has, then the rest run concurrently under the prober's limit.

import { ipFamilyOf, tryTunnel } from '../capture/probe-connection.js';
import { dialFor, resolveDial } from '../capture/route.js';
import { ScanContext, ScanError, type ScanOptions, type ScanTarget } from './context.js';
import { scanVersions } from './versions.js';
import { scanSuites } from './suites.js';
import { scanGroups } from './groups.js';
import { scanSignatureSchemes } from './signature-schemes.js';
import { scanCertificates } from './certificates.js';
import { scanFeatures } from './features.js';
import { scanSession } from './session/probes.js';
import { deriveFindings } from './findings.js';
import { mozillaCompliance } from './profiles/compliance.js';
import { scanStarttls } from './starttls.js';
import { scanVulnerabilityProbes } from './probes/index.js';
import { STALL_LIMIT, type ProberStats } from './probe.js';
import type { ScanResult } from './types.js';

export { ScanError, type ScanOptions } from './context.js';
export { makeHello, type HelloParams } from './hello.js';

/**
 * The first address to connect to, through the capture layer's resolver and within the probe
 * deadline: the target's (or --connect-to's), or with a proxy the proxy's, after checking once
 * that it opens a tunnel (its name is then the proxy's to resolve).
 */
async function resolveTarget(opts: ScanOptions): Promise<ScanTarget> {
  const route = opts.route ?? {};
  const dial = dialFor(opts.host, opts.port, route);
  const r = await resolveDial(dial, route, { timeoutMs: opts.timeoutMs, ...(opts.lookup ? { lookup: opts.lookup } : {}) });
  if ('error' in r) throw route.proxy ? new ScanError('proxy', `cannot resolve the proxy's name: ${r.error}`) : new ScanError('dns', r.error);
  const { address, family } = r.addresses[0];
  const sni = opts.servername === false ? undefined : (opts.servername ?? (ipFamilyOf(opts.host) ? undefined : opts.host));
  const tunnel = route.proxy && dial.tunnelTo ? { proxy: route.proxy, ...dial.tunnelTo } : undefined;
  const starttls = opts.starttls ? { starttls: { protocol: opts.starttls, host: opts.host, ...(opts.xmppHost ? { xmppHost: opts.xmppHost } : {}) } } : {};
  const target: ScanTarget = { host: opts.host, port: opts.port, address, family: family === 6 ? 6 : 4, sni, dialPort: dial.port, ...(tunnel ? { tunnel } : {}), ...starttls };
  if (tunnel) {
    const problem = await tryTunnel({ address, port: dial.port, tunnel }, opts.timeoutMs);
    if (problem) throw new ScanError('proxy', problem);
  }
  return target;
}

/** What the reader should know about how the connections went. */
function connectionNotes(stats: ProberStats, timeoutMs: number): string[] {
  const notes: string[] = [];
  if (stats.resets > 0) notes.push(`the server reset ${stats.resets} connection(s); retried with backoff (${stats.retries} retries)`);
  if (stats.connectFailures > 0) notes.push(`${stats.connectFailures} connection(s) were refused after earlier ones succeeded (rate limiting?); retried with backoff`);
  if (stats.timeouts > 0) notes.push(`${stats.timeouts} probe(s) timed out after ${timeoutMs} ms; results may be incomplete`);
  if (stats.abandoned) {
    notes.push(`${stats.abandoned} probe(s) not sent: ${STALL_LIMIT} probes in a row timed out, so the server was taken to have stalled; results are incomplete`);
  }
  return notes;
}

/** Every TCP connection opened: each probe attempt, each Node handshake, the STARTTLS dialogue and
 * the tunnel tried before the scan. */
function connectionCount(ctx: ScanContext, starttlsDialogue: boolean): number {
  return ctx.prober.stats.probes + ctx.nodeHandshakes + (starttlsDialogue ? 1 : 0) + (ctx.target.tunnel ? 1 : 0);
}

export async function scanServer(opts: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const ctx = new ScanContext(await resolveTarget(opts), opts);
  const starttlsRequest = ctx.target.starttls;
  const starttls = starttlsRequest ? await scanStarttls({ ...ctx.endpoint, starttls: starttlsRequest }, opts.timeoutMs) : undefined;
  const found = await scanVersions(ctx);
  // The other questions offer all candidates rather than the accepted list, so they need not wait
  // for the suites (only the certificates without SNI do).
  const versionsTask = scanSuites(ctx, found);
  const groupsTask = scanGroups(ctx, found);
  const sigsTask = scanSignatureSchemes(ctx, found);
  const certificatesTask = scanCertificates(ctx, found, versionsTask, [sigsTask]);
  const featuresTask = ctx.step(scanFeatures(ctx, found));
  const probesTask = ctx.step(scanVulnerabilityProbes(ctx, found));
  const sessionTask = ctx.step(scanSession(ctx, found));
  const [ssl2, versions, groups, signatureSchemes, certificates, features, probes, session] = await Promise.all([
    found.ssl2,
    versionsTask,
    groupsTask,
    sigsTask,
    certificatesTask,
    featuresTask,
    probesTask,
    sessionTask,
  ]);
  ctx.notes.push(...connectionNotes(ctx.prober.stats, opts.timeoutMs));
  if (found.has13) {
    ctx.notes.push(
      signatureSchemes.tls13Method === 'certificate-verify'
        ? 'TLS 1.3 signature schemes come from the CertificateVerify of handshakes tls-trace writes itself (read up to the server Finished, each signature verified), by elimination over every TLS 1.3 scheme'
        : 'TLS 1.3 signature schemes come from full Node handshakes with one scheme allowed each',
    );
  }
  const { host, port, address, family, sni, tunnel, dialPort } = ctx.target;
  const proxy = tunnel ? { proxy: `${tunnel.proxy.host.includes(':') ? `[${tunnel.proxy.host}]` : tunnel.proxy.host}:${dialPort}` } : {};
  const result: ScanResult = {
    target: { host, port, address, family, servername: sni, ...proxy },
    startedAt,
    durationMs: 0,
    ssl2,
    versions,
    groups,
    signatureSchemes,
    certificates,
    features,
    probes,
    session,
    ...(starttls ? { starttls } : {}),
    findings: [],
    stats: { connections: connectionCount(ctx, Boolean(starttls)), ...ctx.prober.stats, nodeHandshakes: ctx.nodeHandshakes },
    notes: ctx.notes,
  };
  result.findings = deriveFindings(result);
  result.mozilla = mozillaCompliance(result, opts.profile);
  result.durationMs = Math.round(performance.now() - started);
  return result;
}
