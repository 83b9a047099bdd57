// The root command: `tls-trace [options] HOST[:PORT]` (or `--demo`). Capture a live handshake,
// decode it, analyse it, print it; on failure print the partial trace first, then one line on
// stderr saying what went wrong, and exit with that failure's documented code.

import tls from 'node:tls';
import type { Command } from 'commander';
import { captureHandshake, formatAddress, type CaptureOptions } from '../../capture/capture.js';
import { captureToJson } from '../../capture/capture-file.js';
import { demoCertDir, startDemoServer, type DemoServer } from '../../capture/demo-server.js';
import type { TrustStore } from '../../analyse/chain/trust-store.js';
import type { Capture } from '../../capture/types.js';
import { analyseCapture } from '../../analyse/pipeline.js';
import { unofferedChoice } from '../../analyse/answered-hellos.js';
import { writeKeyLogFile } from '../keylog-file.js';
import { namedNotTlsAnswer } from '../../analyse/not-tls-answer.js';
import type { DecodedTrace } from '../../decode/model.js';
import { alertDescriptions, describe } from '../../registry/index.js';
import { renderJsonText, renderText } from '../../report/index.js';
import type { CliContext } from '../context.js';
import { UsageError, exitCodeForCaptureError, type ExitCodeValue } from '../../errors.js';
import { addClientOptions, clientSettings, parseRevocationMode, starttlsSettings, type TraceFlags } from '../options.js';
import { STARTTLS_PROTOCOLS, isStarttlsProtocol } from '../../capture/starttls/index.js';
import { decideOutput, printError, type OutputStyle } from '../output.js';
import { reportWriteFailures, tryWrite, writeOutputFile, type OutputFile, type WriteError } from '../write-file.js';
import { renderHtml } from '../../report/html/index.js';
import { capturesToPcapng } from '../../capture/pcap/pcap-out.js';
import { parseTarget } from '../target.js';
import { commandNames, commandTypo, unknownCommand } from '../argv.js';
import { addTrustOptions, parseAt, trustStoreFromFlags, type TrustFlags } from '../trust-options.js';
import { ctLogListOption } from '../ct-options.js';
import type { CtLogList } from '../../analyse/ct/log-list.js';
import { addRouteOptions, parseRouteRules, pinnedAddresses, routeFor, type RouteFlags, type RouteRules } from '../route-options.js';
import type { ChainEvidenceInput, RevocationMode } from '../../analyse/chain/types.js';
import { httpFetch } from '../../capture/http-fetch.js';
import { withLookup } from '../../check/runner.js';
import { captureEvidence } from '../../check/revocation/capture-evidence.js';
import { evidenceInput, type ChainEvidence } from '../../check/revocation/evidence.js';
import path from 'node:path';

/** The name the demo leaf certificate is issued for (fixtures/make-demo-certs.sh). */
const DEMO_SERVERNAME = 'localhost';

export function registerTrace(program: Command, ctx: CliContext): void {
  addRouteOptions(addTrustOptions(addClientOptions(program)))
    .argument('[target]', 'HOST[:PORT] to trace (port 443 by default; IPv6 as [::1]:8443)')
    .option('--json', 'print the whole trace as JSON')
    .option('--hex', 'add an annotated hex dump of every message')
    .option('--no-color', 'plain output (also: NO_COLOR, or stdout not a terminal)')
    .option('--no-ladder', 'leave out the ladder diagram that opens the trace')
    .option('--ascii', 'draw the ladder in plain ASCII (also whenever the output is plain)')
    .option('--save <file>', 'write the capture (bytes, timings, key log) to a file for `tls-trace replay`')
    .option('--pcap <file>', 'write the connection as a pcapng file, key log included, that Wireshark opens decrypted')
    .option('--keylog <file>', 'append the NSS key log to a file (also: SSLKEYLOGFILE)')
    .option('--show-secrets', 'print secret, key and IV values in the key-schedule section')
    .option('--html <file>', 'also write the trace as one self-contained HTML page (ladder, annotated bytes, chain); owner-only with --show-secrets')
    .option('--demo', 'start a TLS server on 127.0.0.1 with the demo certificates and trace it')
    .option('--revocation <mode>', 'look up OCSP/CRL revocation (and a missing intermediate) for every certificate, as check does: off (default), soft (unavailable warns) or hard (unavailable fails the verdict); makes HTTP fetches inside --timeout')
    .option('--packets', 'also capture the connection\'s TCP packets with tcpdump or dumpcap (needs root, CAP_NET_RAW or the wireshark group): TCP handshake, segments and teardown, steps in wire order')
    .action(async (target: string | undefined, flags: TraceFlags & TrustFlags & RouteFlags) => {
      await runTrace(ctx, target, flags, commandNames(program));
    });
}

export async function runTrace(ctx: CliContext, targetText: string | undefined, flags: TraceFlags & TrustFlags & RouteFlags, commands: readonly string[] = []): Promise<void> {
  if (flags.demo && targetText !== undefined) throw new UsageError('--demo traces the built-in server; give no target with it');
  if (!flags.demo && targetText === undefined) throw new UsageError('missing target', 'tls-trace example.com, tls-trace 127.0.0.1:8443, or tls-trace --demo');
  if (flags.demo && flags.starttls !== undefined && flags.starttls !== 'none') throw new UsageError('--demo speaks TLS at once; give no --starttls with it');
  const settings = clientSettings(flags);
  // The demo server is local and private: the environment's proxy is not for it.
  const rules = parseRouteRules(flags.demo ? { ...flags, proxy: flags.proxy ?? '' } : flags, ctx.env);
  const style = decideOutput(ctx, flags.color);
  const keylogPath = flags.keylog ?? (ctx.env.SSLKEYLOGFILE || undefined);
  const at = flags.at === undefined ? undefined : parseAt(flags.at);
  const trustStore = traceTrustStore(ctx, flags, flags.demo === true);
  const revocation = parseRevocationMode(flags.revocation, 'off');
  // The demo is offline: its certificates name responders at tls-trace.test that do not exist.
  if (flags.demo && revocation !== 'off') throw new UsageError('--demo is offline: it looks up no revocation', 'give --revocation soft|hard with a real target');

  let demo: DemoServer | undefined;
  let capture: Capture;
  try {
    let host: string;
    let port: number;
    let unicodeHost: string | undefined;
    if (flags.demo) {
      // Asked for TLS 1.0/1.1? Let the demo server speak them too (OpenSSL 3 needs security
      // level 0 for that), so the demo shows the old handshake rather than a version alert.
      const old = settings.minVersion === '1.0' || settings.minVersion === '1.1' || settings.maxVersion === '1.0' || settings.maxVersion === '1.1';
      demo = await startDemoServer(old ? { minVersion: 'TLSv1', ciphers: `${tls.DEFAULT_CIPHERS}:@SECLEVEL=0` } : {});
      host = demo.host;
      port = demo.port;
      // Send the name the demo certificate is issued for, so SNI shows in the ClientHello.
      if (settings.servername === undefined) settings.servername = DEMO_SERVERNAME;
      // Offer what a browser offers, so the demo shows ALPN being negotiated.
      settings.alpn ??= ['h2', 'http/1.1'];
    } else {
      const target = parseTarget(targetText ?? '');
      host = target.host;
      port = target.port;
      unicodeHost = target.unicodeHost;
      Object.assign(settings, starttlsSettings(flags, port));
    }
    capture = await liveCapture(ctx, { ...settings, host, port, route: routeFor(rules, host, port), ...(ctx.lookup ? { lookup: ctx.lookup } : {}) }, flags.packets === true);
    refuseUnresolvedCommand(targetText, capture, commands);
    if (unicodeHost) capture.target.unicodeHost = unicodeHost;
    if (flags.demo) capture.options.demo = true;
  } finally {
    await demo?.close();
  }

  // Files first (a saved capture is what a bug report needs if rendering fails), but their errors
  // only after the trace is printed, so an unwritable path never hides the trace.
  const keylogWhat = flags.keylog ? '--keylog' : 'SSLKEYLOGFILE';
  const keylogFailure = keylogPath && capture.keylog.length > 0 ? tryWrite(() => writeKeyLogFile(keylogPath, capture.keylog, keylogWhat)) : undefined;
  const saveFile = flags.save;
  const saveFailure = saveFile ? tryWrite(() => writeOutputFile(saveFile, captureFileText(capture), CAPTURE_FILE)) : undefined;
  const pcapFailure = writePcapFile(flags.pcap, [capture]);
  const evidence = await traceEvidence(ctx, capture, { trustStore, revocation, rules, timeoutMs: settings.timeoutMs, at: at ?? new Date(capture.startedAt) });
  const chainEvidence = evidence ? { chainEvidence: evidenceInput(evidence, revocation) } : {};
  present(ctx, capture, { json: Boolean(flags.json), hex: Boolean(flags.hex), ...ladderFlags(flags), ...htmlFlag(flags), showSecrets: Boolean(flags.showSecrets), packets: flags.packets === true, style, trustStore, ...ctLogListOption(flags), ...(at ? { at } : {}), ...chainEvidence });
  reportWriteFailures(ctx, [keylogFailure, saveFailure, pcapFailure]);
}

/**
 * A lone target like `chekc` that the resolver could not resolve (exit 3 otherwise) and that is
 * within edit distance 2 of a command name: a mistyped command, not a host (src/cli/argv.ts).
 * Only a look-up of our own counts — a proxy's failure is the proxy's (exit 12), and a name that
 * resolves (`/etc/hosts`, `--resolve`) is traced whatever it looks like.
 */
function refuseUnresolvedCommand(targetText: string | undefined, capture: Capture, commands: readonly string[]): void {
  if (targetText === undefined || capture.error?.code !== 'dns') return;
  const command = commandTypo(targetText.trim(), commands);
  if (command !== undefined) throw unknownCommand(targetText.trim(), command);
}

/**
 * --revocation soft|hard: check's caIssuers and revocation fetches for the captured chain, in what
 * is left of --timeout after the handshake, resolved and proxied as the handshake was.
 */
async function traceEvidence(
  ctx: CliContext,
  capture: Capture,
  o: { trustStore: TrustStore; revocation: RevocationMode; rules: RouteRules; timeoutMs: number; at: Date },
): Promise<ChainEvidence | undefined> {
  if (o.revocation === 'off') return undefined;
  const fetcher = withLookup(httpFetch, {
    ...(ctx.lookup ? { lookup: ctx.lookup } : {}),
    pinned: (host: string, port: number) => pinnedAddresses(o.rules, host, port),
    proxyFor: (host: string, port: number) => routeFor(o.rules, host, port).proxy,
  });
  const deadline = Date.now() + Math.max(0, o.timeoutMs - capture.timings.totalMs);
  return captureEvidence(capture, o.trustStore, o.revocation, { at: o.at, deadline, fetcher });
}

/**
 * The live capture; with --packets, around a packet capture of the same connection. When packets
 * cannot be captured, one line on stderr says why (and how to grant the right), and the trace
 * goes on with its usual output and exit code.
 */
async function liveCapture(ctx: CliContext, opts: CaptureOptions, packets: boolean): Promise<Capture> {
  if (!packets) return captureHandshake(opts);
  const { captureWithPackets } = await import('../../capture/live-packets.js');
  const { guardPacketCaptures, processPacketPrivileges } = await import('../packet-privileges.js');
  guardPacketCaptures();
  const privileges = await (ctx.packetPrivileges ?? (() => processPacketPrivileges(ctx.env)))();
  const r = await captureWithPackets(opts, privileges, { ...ctx.env });
  if (r.note) printError(ctx, r.note);
  return r.capture;
}

/** `--no-ladder` and `--ascii` as present() takes them (trace, replay and read share them). */
export function ladderFlags(flags: { ladder?: boolean; ascii?: boolean }): { ladder: boolean; ascii: boolean } {
  return { ladder: flags.ladder !== false, ascii: flags.ascii === true };
}

/** `--html FILE` as present() takes it (trace, replay and read share it). */
export function htmlFlag(flags: { html?: string }): { html?: string } {
  return flags.html === undefined ? {} : { html: flags.html };
}

/** A capture file holds the session's key log: owner-only, even when it replaces an older file. */
const CAPTURE_FILE = { what: '--save', mode: 0o600, tighten: true } as const;

/** `--pcap FILE`: the connections as pcapng, owner-only like a capture file (its DSB holds the key log). */
export function writePcapFile(file: string | undefined, captures: readonly Capture[]): WriteError | undefined {
  if (file === undefined) return undefined;
  return tryWrite(() => writeOutputFile(file, capturesToPcapng(captures), { what: '--pcap', mode: 0o600, tighten: true }));
}

/** The capture file's text (the format is captureToJson's; one-space indent keeps it diffable). */
function captureFileText(capture: Capture): string {
  return `${JSON.stringify(captureToJson(capture), null, 1)}\n`;
}

/** Anchors for the chain table; the demo's private root is trusted for demo captures only. */
export function traceTrustStore(ctx: CliContext, flags: TrustFlags, demo: boolean): TrustStore {
  return trustStoreFromFlags(flags, ctx, demo ? [path.join(demoCertDir(), 'root.pem')] : []);
}

export interface PresentOptions {
  json: boolean;
  hex: boolean;
  showSecrets?: boolean;
  style: OutputStyle;
  /** Anchors for chain validation; without them the chain table is left out. */
  trustStore?: TrustStore;
  at?: Date;
  /** --ct-log-list, read; absent: the bundled list. */
  ctLogList?: CtLogList;
  /** `--packets` (read, and live traces that captured packets): list every TCP segment after the trace. */
  packets?: boolean;
  /** `--no-ladder` sets false; `--ascii` draws it in ASCII. */
  ladder?: boolean;
  ascii?: boolean;
  /** `--html FILE`: also write the self-contained page there. */
  html?: string;
  /** A live trace's fetched intermediates and revocation results (--revocation soft|hard). */
  chainEvidence?: ChainEvidenceInput;
}

/**
 * Decode → analyse → render → stdout, then the failure line and exit code. Shared by trace and
 * replay so a replayed capture prints exactly what the live trace printed.
 */
export function present(ctx: CliContext, capture: Capture, opts: PresentOptions): void {
  let decoded: DecodedTrace | undefined;
  let htmlFailure: WriteError | undefined;
  try {
    const view = analyseCapture(capture, {
      showSecrets: opts.showSecrets === true,
      ...(opts.trustStore ? { trustStore: opts.trustStore } : {}),
      ...(opts.ctLogList ? { ctLogList: opts.ctLogList } : {}),
      ...(opts.chainEvidence ? { chainEvidence: opts.chainEvidence } : {}),
      // The clock is pinned to the capture's start unless --at says otherwise, so a replay
      // judges the chain exactly as the live trace did.
      at: opts.at ?? new Date(capture.startedAt),
    });
    decoded = view.decoded;
    const htmlFile = opts.html;
    // Written before stdout (like --save) so a closed pipe still leaves the page; its error after.
    if (htmlFile !== undefined) htmlFailure = tryWrite(() => writeOutputFile(htmlFile, renderHtml(view, { showSecrets: opts.showSecrets === true, ...(capture.error ? { failure: failureLine(capture, view.decoded) } : {}) }), htmlFileSpec(opts.showSecrets === true)));
    if (opts.json) {
      // Written piece by piece: a capture of thousands of records makes a document of tens of MB.
      for (const piece of renderJsonText(view)) ctx.stdout(piece);
      ctx.stdout('\n');
    } else {
      const text = renderText(view, {
        color: opts.style.color,
        hex: opts.hex,
        showSecrets: opts.showSecrets === true,
        packets: opts.packets === true,
        ladder: opts.ladder !== false,
        // Plain output is plain throughout: no colour means no box-drawing characters either.
        ascii: opts.ascii === true || !opts.style.color,
        ...(opts.style.width ? { width: opts.style.width } : {}),
      });
      ctx.stdout(text.endsWith('\n') ? text : `${text}\n`);
    }
  } catch (e) {
    // A bug in decoding or rendering (exit 1) must not hide what went wrong on the wire.
    if (capture.error) printError(ctx, failureLine(capture, decoded));
    throw e;
  }
  if (capture.error) {
    printError(ctx, failureLine(capture, decoded));
    ctx.exitCode = exitCodeFor(capture);
  }
  reportWriteFailures(ctx, [htmlFailure]);
}

/** The page holds the secrets with --show-secrets: owner-only then, even when it replaces a file. */
function htmlFileSpec(secrets: boolean): OutputFile {
  return secrets ? { what: '--html', mode: 0o600, tighten: true } : { what: '--html' };
}

/** Maps a capture failure to the documented exit code. */
export function exitCodeFor(capture: Capture): ExitCodeValue {
  return exitCodeForCaptureError(capture.error?.code, serverBytes(capture));
}

/**
 * The one line printed on stderr for a failed capture. Prefers what the decoder found in the
 * bytes (the alert's name, the protocol the peer spoke) over Node's error text. The line is raw:
 * addresses, banners and messages may come from a hostile peer or capture file, and printError
 * escapes them, once, as it writes.
 */
export function failureLine(capture: Capture, decoded: DecodedTrace | undefined): string {
  const error = capture.error;
  if (!error) return '';
  const where = formatAddress(capture.target.address ?? capture.target.host, capture.target.port);
  switch (error.code) {
    case 'not-tls': {
      // After a STARTTLS go-ahead the server was to start TLS: say whose go-ahead it was.
      const proto = capture.options.starttls;
      if (typeof proto === 'string' && isStarttlsProtocol(proto) && capture.prologue?.length) {
        return `${where} gave its ${STARTTLS_PROTOCOLS[proto].label} STARTTLS go-ahead but then sent bytes that are not TLS (first bytes: ${firstBytesHex(capture)})`;
      }
      const named = namedNotTlsAnswer(capture, decoded);
      if (named) return `${where} ${named}`;
      return `${where} answered with bytes that are not TLS (first bytes: ${firstBytesHex(capture)})`;
    }
    case 'alert': {
      const alert = decoded?.messages.find((m) => m.kind === 'alert' && m.direction === 'server' && m.level === 2);
      if (alert && alert.kind === 'alert') {
        const d = describe(alertDescriptions, alert.description, 1);
        return `server sent fatal alert ${d.known ? `${d.name} (${alert.description})` : `unknown (${d.hex})`}`;
      }
      return error.message.replace(/ \(OpenSSL: .*\)$/, '');
    }
    case 'dns': {
      const { host, unicodeHost } = capture.target;
      return unicodeHost ? error.message.replace(host, `${unicodeHost} (${host})`) : error.message;
    }
    case 'refused':
      return `connection refused by ${where}`;
    case 'closed': {
      const proto = capture.options.starttls;
      if (serverBytes(capture) === 0 && typeof proto === 'string' && isStarttlsProtocol(proto) && capture.prologue?.length) {
        return `${where} closed the connection right after its ${STARTTLS_PROTOCOLS[proto].label} STARTTLS go-ahead, before any TLS`;
      }
      // Bytes the file lacks (a capture that dropped packets) may hold what completed the handshake:
      // no peer is blamed for it.
      const gap = capture.source === 'pcap' ? capture.gaps?.[0] : undefined;
      if (gap) {
        const missing = (capture.gaps ?? []).reduce((n, g) => n + g.length, 0);
        return `the capture is missing ${missing} bytes of the connection (the first ${gap.length} at ${gap.direction} stream offset ${gap.offset}), so the handshake cannot be followed to its end (${serverBytes(capture)} bytes from the server in the file)`;
      }
      if (capture.source === 'pcap' && !capture.packets?.some((p) => p.flags.includes('FIN'))) {
        return `the capture ends before the handshake completed (no FIN or RST from either side in the file; ${serverBytes(capture)} bytes from the server)`;
      }
      return `${where} closed the connection during the handshake (after ${serverBytes(capture)} bytes from the server)`;
    }
    case 'reset':
      return `${where} reset the connection${serverBytes(capture) > 0 ? ' during the handshake' : ''}`;
    case 'tls': {
      // OpenSSL calls an SSL 2.0 answer a "wrong version number"; the decoder knows better.
      if (decoded?.notTls?.protocol === 'sslv2') return `${where} answered with an SSL 2.0 SERVER-HELLO: the server speaks only the obsolete SSL 2.0`;
      // OpenSSL's "unsupported protocol" / "unknown cipher returned" / "unsolicited extension"
      // become the decoded fact: what the server chose that the client never offered.
      const unoffered = decoded ? unofferedChoice(decoded) : undefined;
      if (unoffered) return `${unoffered} (OpenSSL: ${error.message.replace(/^handshake failed: /, '')})`;
      // A span left undecoded at tls-trace's own cap says nothing about the server: name the cap.
      const opaque = decoded?.messages.find((m) => m.kind === 'opaque' && m.direction === 'server' && m.cap !== true);
      if (opaque && opaque.kind === 'opaque') return `${where} sent a record TLS does not allow: ${opaque.reason} (OpenSSL: ${error.message.replace(/^handshake failed: /, '')})`;
      const cap = decoded?.caps?.find((c) => c.direction === 'server');
      return cap ? `${error.message} (${cap.said}, so the bytes in question are not shown)` : error.message;
    }
    default:
      return error.message;
  }
}

function serverBytes(capture: Capture): number {
  return capture.chunks.filter((c) => c.direction === 'server').reduce((n, c) => n + c.bytes.length, 0);
}

function firstBytesHex(capture: Capture): string {
  const first = capture.chunks.find((c) => c.direction === 'server');
  if (!first) return 'none';
  return Buffer.from(first.bytes.subarray(0, 8)).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

