// `tls-trace read FILE`: a tcpdump/Wireshark capture (pcap, pcapng, gzip or not). One TLS
// connection in it: the same output as a live trace of it. Several: a table of connections, then
// `--stream N` traces one and `--all` every one. The file's own DSB secrets and `--keylog FILE`s
// decrypt as a live trace's key log does. A tls-trace capture JSON (`--save`) is read as `replay` reads it.

import type { Command } from 'commander';
import { connectionFacts, type ConnectionFacts } from '../../analyse/connection-facts.js';
import { analyseCapture } from '../../analyse/pipeline.js';
import { incompleteReason } from '../../analyse/index.js';
import { parseCapture } from '../../capture/capture-file.js';
import { formatAddress } from '../../capture/options.js';
import { CompressedInputError, isPacketCapture, NotRegularFile, openCaptureSource, readCaptureBytes, readPacketCapture, sniffFormat, type CaptureBytes, type FoundConnection } from '../../capture/pcap/index.js';
import type { Capture } from '../../capture/types.js';
import type { CaptureErrorCode } from '../../capture/options.js';
import { ExitCode, UsageError, UserError } from '../../errors.js';
import { MAX_CAPTURE_FILE_BYTES, MAX_KEYLOG_FILE_BYTES, MAX_PCAP_OUT_KEPT_BYTES } from '../../limits.js';
import { connectionLine, connectionsJsonParts, connectionsTableParts, skippedLines, type ConnectionLine, type ConnectionRow, type SkippedConnection } from '../../report/connections-table.js';
import { renderJson, SCHEMA_VERSION } from '../../report/index.js';
import type { CliContext } from '../context.js';
import { errnoReason } from '../errno.js';
import { decideOutput, printError } from '../output.js';
import { fileKind, readInputFile } from '../read-file.js';
import { addTrustOptions, parseAt, type TrustFlags } from '../trust-options.js';
import { ctLogListOption } from '../ct-options.js';
import type { CtLogList } from '../../analyse/ct/log-list.js';
import type { TrustStore } from '../../analyse/chain/trust-store.js';
import { matchesFilter, needsSni, parseFilter, type ConnectionFilter } from './read-filter.js';
import { exitCodeFor, htmlFlag, ladderFlags, present, traceTrustStore, writePcapFile } from './trace.js';
import { reportWriteFailures } from '../write-file.js';
import type { ReplayFlags } from './replay.js';

interface ReadFlags extends ReplayFlags {
  stream?: string;
  all?: boolean;
  keylog?: string[];
  packets?: boolean;
  filter?: string;
  ndjson?: boolean;
  pcap?: string;
}

export function registerRead(program: Command, ctx: CliContext): void {
  addTrustOptions(program.command('read'))
    .description('decode the TLS connections in a tcpdump/Wireshark capture (pcap, pcapng, .gz), offline')
    .argument('<file>', 'capture file: pcap or pcapng (gzip-compressed or not), or a tls-trace --save file; - reads stdin')
    .option('--stream <n>', 'trace connection number N of the table')
    .option('--all', 'trace every TLS connection, one after another')
    // No default value: commander would print it in --help as `(default: [])`.
    .option('--keylog <file>', 'NSS key log (SSLKEYLOGFILE) to decrypt with; repeatable', (v: string, acc: string[] = []) => [...acc, v])
    .option('--filter <expr>', "only connections matching EXPR: 'host ADDR|SNI', 'port N', joined by 'and'")
    .option('--json', 'print JSON: the trace, or the table of connections')
    .option('--ndjson', 'print one JSON line per connection (TLS or skipped) as each one ends')
    .option('--hex', 'add an annotated hex dump of every message')
    .option('--no-color', 'plain output (also: NO_COLOR, or stdout not a terminal)')
    .option('--no-ladder', 'leave out the ladder diagram that opens the trace')
    .option('--ascii', 'draw the ladder in plain ASCII (also whenever the output is plain)')
    .option('--packets', 'list every TCP segment (flags, relative seq/ack, window, length, the TLS record bytes it carries)')
    .option('--show-secrets', 'print secret, key and IV values in the key-schedule section')
    .option('--html <file>', 'also write the trace as one self-contained HTML page (ladder, annotated bytes, chain); owner-only with --show-secrets')
    .option('--pcap <file>', 'write the traced connection(s), or every TLS connection listed, as pcapng with their key log')
    .action(async (file: string, flags: ReadFlags & TrustFlags) => readCommand(ctx, file, flags));
}

/**
 * The capture file's open errors as the one-line errors of src/cli/read-file.ts. The file is
 * opened non-blocking and checked with fstat by the reader itself (no stat-then-open here).
 */
async function capturePath<T>(file: string, use: () => Promise<T>): Promise<T> {
  try {
    return await use();
  } catch (e) {
    if (e instanceof NotRegularFile) throw new UsageError(`cannot read capture file ${file}: ${fileKind(e.stats)}, not a regular file`);
    if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' && 'syscall' in e) throw new UsageError(`cannot read capture file ${file}: ${errnoReason(e)}`);
    throw e;
  }
}

function keylogLines(files: readonly string[]): string[] {
  return files.flatMap((f) =>
    readInputFile(f, { what: '--keylog', maxBytes: MAX_KEYLOG_FILE_BYTES })
      .toString('utf8')
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '' && !l.startsWith('#')),
  );
}

/**
 * What `read` keeps of each connection as the file streams past: a table row for every TLS one,
 * the capture itself only when it may be traced (the first one, `--stream N`'s, or all for
 * `--all`), so a table of a large file holds rows, not captures.
 */
class Collector {
  readonly rows: ConnectionRow[] = [];
  readonly skipped: SkippedConnection[] = [];
  readonly kept: { number: number; capture: Capture }[] = [];
  tlsNumbers: number[] = [];
  total = 0;
  /** Connections --filter left out. */
  filteredOut = 0;
  /** Stream bytes kept for --pcap, and connections left out of it past MAX_PCAP_OUT_KEPT_BYTES. */
  private pcapBytes = 0;
  pcapOmitted = 0;

  /** `keep`: keep every TLS connection's capture, for --pcap writing all of them (table, --ndjson). */
  constructor(private readonly mode: { stream?: number; all: boolean; keep?: boolean; filter?: ConnectionFilter; line?: (row: ConnectionLine) => void }) {}

  add(c: FoundConnection): void {
    this.total++;
    const analysed = this.mode.filter ? this.passes(c, this.mode.filter) : undefined;
    if (analysed === false) {
      this.filteredOut++;
      return;
    }
    if (!c.tls) {
      const skipped = { number: c.number, client: address(c.client), server: address(c.server), reason: c.reason };
      if (this.mode.line) this.mode.line({ tls: false, ...skipped });
      else this.skipped.push(skipped);
      return;
    }
    this.tlsNumbers.push(c.number);
    if (this.mode.stream !== undefined) {
      // Only the chosen connection is analysed: the others are just counted.
      if (c.number === this.mode.stream) this.kept.push({ number: c.number, capture: c.capture });
      if (c.number === this.mode.stream && typeof analysed !== 'object') settleCapture(c.capture);
      return;
    }
    const row = connectionRow(c.number, address(c.client), c.capture, typeof analysed === 'object' ? analysed : settleCapture(c.capture));
    // Without --all only a lone connection is traced: keep the first until a second shows up.
    const forPcap = this.keepForPcap(c.capture);
    if (this.mode.all || forPcap || this.tlsNumbers.length === 1) this.kept.push({ number: c.number, capture: c.capture });
    else if (!this.mode.keep) this.kept.length = 0;
    if (this.mode.line) return this.mode.line({ tls: true, ...row });
    if (!this.mode.all) this.rows.push(row);
  }

  /**
   * Whether connection `number`, opening now, may be traced or written with its packets: every one
   * for --all and --pcap, the chosen one for --stream, none for --ndjson, and for the table only
   * while fewer than two TLS connections have ended (a lone one is traced). Past that the output
   * is rows, which no packet changes.
   */
  listsPackets(number: number): boolean {
    if (this.mode.all || this.mode.keep) return true;
    if (this.mode.stream !== undefined) return number === this.mode.stream;
    return !this.mode.line && this.tlsNumbers.length < 2;
  }

  /** --pcap listing several connections: keep this one while the kept bytes stay under the cap. */
  private keepForPcap(capture: Capture): boolean {
    if (!this.mode.keep) return false;
    const bytes = capture.chunks.reduce((n, ch) => n + ch.bytes.length, 0);
    if (this.pcapBytes + bytes > MAX_PCAP_OUT_KEPT_BYTES) {
      this.pcapOmitted++;
      return false;
    }
    this.pcapBytes += bytes;
    return true;
  }

  /** Whether --filter keeps `c`: false, or true / the analysis made to learn its SNI (reused, not redone). */
  private passes(c: FoundConnection, filter: ConnectionFilter): boolean | ConnectionFacts {
    const subject = { addresses: [c.client.addr, c.server.addr], ports: [c.client.port, c.server.port] };
    if (matchesFilter(filter, subject)) return true;
    if (!c.tls || !needsSni(filter)) return false;
    const facts = settleCapture(c.capture);
    const sni = facts.sni;
    return sni !== undefined && matchesFilter(filter, { ...subject, sni }) ? facts : false;
  }
}

/** How a traced connection's chain is judged: --ca/--no-system-ca, --ct-log-list, --at. */
interface Judging {
  trustStore: TrustStore;
  ctLogList?: CtLogList;
  at?: Date;
}

/**
 * Read before the capture, whatever the file turns out to hold: a missing --ca or --ct-log-list
 * or a bad --at is exit 2 even when the file prints only a table, as it is for trace and replay.
 */
function judgingFromFlags(ctx: CliContext, flags: ReadFlags & TrustFlags): Judging {
  const at = flags.at === undefined ? undefined : parseAt(flags.at);
  return { trustStore: traceTrustStore(ctx, flags, false), ...ctLogListOption(flags), ...(at ? { at } : {}) };
}

async function readCommand(ctx: CliContext, file: string, flags: ReadFlags & TrustFlags): Promise<void> {
  if (flags.stream !== undefined && flags.all) throw new UsageError('--stream and --all cannot be used together');
  if (flags.ndjson && (flags.json || flags.stream !== undefined || flags.all)) throw new UsageError('--ndjson lists connections: it cannot be used with --json, --stream or --all');
  if (flags.html !== undefined && (flags.all || flags.ndjson)) throw new UsageError('--html writes one connection\'s page: it cannot be used with --all or --ndjson', 'choose the connection with --stream N');
  const stream = flags.stream === undefined ? undefined : parseStream(flags.stream);
  const filter = flags.filter === undefined ? undefined : parseFilter(flags.filter);
  const keylog = keylogLines(flags.keylog ?? []);
  const judging = judgingFromFlags(ctx, flags);
  const input = await openInput(ctx, file);
  if (input.saved !== undefined) return readSavedText(ctx, input.name, input.saved, flags, keylog, judging);
  const line = flags.ndjson ? (row: ConnectionLine): void => ctx.stdout(`${JSON.stringify(connectionLine(input.name, row))}\n`) : undefined;
  const got = new Collector({ ...(stream !== undefined ? { stream } : {}), all: Boolean(flags.all), keep: flags.pcap !== undefined, ...(filter ? { filter } : {}), ...(line ? { line } : {}) });
  const add = (c: FoundConnection): void => got.add(c);
  const lists = (n: number): boolean => got.listsPackets(n);
  const contents = await capturePath(file, () => (input.bytes ? readCaptureBytes(input.name, input.bytes, keylog, add, lists) : readPacketCapture(file, keylog, add, lists)));
  for (const note of contents.notes) printError(ctx, `note: ${note}`);
  const numbers = got.tlsNumbers.sort((a, b) => a - b);
  if (numbers.length === 0) throw noTls(input.name, got, contents.frames, filter);
  // Written once the connections are known, its failure said after the output (as trace does).
  if (got.pcapOmitted > 0) printError(ctx, `note: ${got.pcapOmitted} TLS connection(s) past tls-trace's limit of ${MAX_PCAP_OUT_KEPT_BYTES} bytes kept for --pcap were not written to ${flags.pcap ?? ''}`);
  const pcapFailure = writePcapFile(flags.pcap, got.kept.sort((a, b) => a.number - b.number).map((k) => k.capture));
  try {
    showConnections(ctx, input.name, got, contents.notes, flags, { ...(stream !== undefined ? { stream } : {}), ...(filter ? { filter } : {}), judging });
  } finally {
    reportWriteFailures(ctx, [pcapFailure]);
  }
}

/** The traces (--stream, a lone connection, --all) or the table of connections, once the file is read. */
function showConnections(ctx: CliContext, name: string, got: Collector, notes: readonly string[], flags: ReadFlags & TrustFlags, sel: { stream?: number; filter?: ConnectionFilter; judging: Judging }): void {
  const { stream, filter, judging } = sel;
  const numbers = got.tlsNumbers;
  if (flags.ndjson) return;
  if (stream !== undefined) {
    const chosen = got.kept[0]?.capture;
    if (!chosen) throw new UsageError(`--stream ${stream}: no TLS connection with that number${filter ? ' matching --filter' : ''} (the TLS connections are ${numbers.join(', ')})`);
    return traceOne(ctx, chosen, flags, judging);
  }
  const skipped = got.skipped.sort((a, b) => a.number - b.number);
  const style = decideOutput(ctx, flags.color);
  if (numbers.length === 1) {
    traceOne(ctx, got.kept[0].capture, flags, judging);
    // The text trace of a lone TLS connection still says what else the file held (JSON: --ndjson).
    if (!flags.json && skipped.length > 0) ctx.stdout(`${skippedLines(skipped, { color: style.color, ...(style.width ? { width: style.width } : {}) }).join('\n')}\n`);
    return;
  }
  if (flags.all) return traceAll(ctx, name, got.kept.map((k) => k.capture), flags, judging);
  if (flags.html !== undefined) throw new UsageError(`${name} holds ${numbers.length} TLS connections: --html writes one connection's page`, `choose it with --stream N (the TLS connections are ${numbers.join(', ')})`);
  const rows = got.rows.sort((a, b) => a.number - b.number);
  const filtered = filter ? { expression: filter.text, hidden: got.filteredOut } : undefined;
  // Written piece by piece: the table or list of many thousands of connections is never one string.
  const parts = flags.json
    ? connectionsJsonParts(name, rows, skipped, notes, filtered)
    : connectionsTableParts(name, rows, skipped, { color: style.color, ...(style.width ? { width: style.width } : {}), ...(filtered ? { filtered } : {}) });
  for (const part of parts) ctx.stdout(part);
  ctx.stdout('\n');
}

/** No TLS connection to show: exit 6, saying whether --filter left some out. */
function noTls(name: string, got: Collector, frames: number, filter: ConnectionFilter | undefined): UserError {
  if (filter && got.filteredOut > 0) return new UserError(`no TLS connection in ${name} matches --filter '${filter.text}' (${got.filteredOut} of ${got.total} TCP connection(s) did not match; ${frames} frames read)`, ExitCode.notTls);
  return new UserError(`no TLS connection in ${name}: ${got.total} TCP connection(s), none starts with a TLS record (${frames} frames read)`, ExitCode.notTls);
}

/**
 * FILE, or stdin for `-`: a packet capture is streamed from it; anything else is read (within the
 * --save file cap) as a tls-trace capture file.
 */
async function openInput(ctx: CliContext, file: string): Promise<{ name: string; bytes?: CaptureBytes; saved?: SavedInput }> {
  if (file !== '-') {
    if (await capturePath(file, () => isPacketCapture(file))) return { name: file };
    return { name: file, saved: savedInput(readInputFile(file, { what: 'capture file', maxBytes: MAX_CAPTURE_FILE_BYTES })) };
  }
  if (!ctx.stdin) throw new UsageError('read -: there is no standard input to read');
  const bytes = await openCaptureSource(ctx.stdin());
  try {
    const head = await bytes.reader.peek(4);
    if (sniffFormat(head)) return { name: 'stdin', bytes };
    // Not pcap: the rest as a --save file, up to its cap (one byte more says it is over).
    const all = await bytes.reader.peek(MAX_CAPTURE_FILE_BYTES + 1);
    if (all.length > MAX_CAPTURE_FILE_BYTES) throw new UsageError(`stdin is larger than tls-trace's limit of ${MAX_CAPTURE_FILE_BYTES} bytes for a capture file that is not pcap or pcapng`);
    await bytes.close();
    return { name: 'stdin', saved: savedInput(all) };
  } catch (e) {
    await bytes.close();
    if (e instanceof CompressedInputError) throw new UsageError(`stdin is not a readable capture: ${e.message}`);
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read the capture from stdin: ${errnoReason(e)}`);
  }
}

function parseStream(text: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw new UsageError(`--stream must be a connection number from the table (1, 2, …), not "${text}"`);
  return Number(text);
}

function address(e: FoundConnection['client']): string {
  return formatAddress(e.addr, e.port);
}

/**
 * What a live trace learns from its socket, a capture learns from its bytes: the SNI names the
 * server (for the certificate host check), and a handshake that did not complete is the
 * capture's failure (exit code and stderr line as in a live trace).
 */
function settleCapture(capture: Capture): ConnectionFacts {
  const facts = connectionFacts(capture);
  if (facts.sni !== undefined) capture.target.servername = facts.sni;
  const outcome = facts.outcome;
  // The error carries the reason only: the trace's outcome line puts its lead-in before it again.
  if (!outcome.complete) capture.error = { code: failureCode(capture, facts), message: incompleteReason(outcome) };
  return facts;
}

/**
 * The failure a capture shows, named as a live trace would name it: not TLS (exit 6), a fatal alert,
 * a reset, or a close (exit 7). Without FIN or RST the file simply ends before the handshake did:
 * still `closed` for the exit code, and failureLine says the capture ended, not that the peer closed.
 * (A capture read without its packet list is only a table row, which shows no failure code.)
 */
function failureCode(capture: Capture, facts: ConnectionFacts): CaptureErrorCode {
  if (facts.notTls) return 'not-tls';
  if (facts.outcome.alert) return 'alert';
  return capture.packets?.some((p) => p.flags.includes('RST')) ? 'reset' : 'closed';
}

function connectionRow(number: number, client: string, capture: Capture, facts: ConnectionFacts): ConnectionRow {
  // Keys set in the order the JSON lists them, without a throw-away object per optional one (a row per connection).
  const row: ConnectionRow = { number, client, server: formatAddress(capture.target.host, capture.target.port), startedAt: capture.startedAt } as ConnectionRow;
  if (facts.sni !== undefined) row.sni = facts.sni;
  if (facts.version !== undefined) row.version = facts.version;
  if (facts.cipherSuite !== undefined) row.cipherSuite = facts.cipherSuite;
  if (facts.alpn !== undefined) row.alpn = facts.alpn;
  row.records = facts.records;
  row.bytes = facts.bytes;
  row.complete = facts.outcome.complete;
  row.outcome = facts.outcome.summary;
  row.fingerprints = facts.fingerprints;
  return row;
}

function traceOne(ctx: CliContext, capture: Capture, flags: ReadFlags & TrustFlags, judging: Judging): void {
  present(ctx, capture, { json: Boolean(flags.json), hex: Boolean(flags.hex), ...ladderFlags(flags), ...htmlFlag(flags), showSecrets: Boolean(flags.showSecrets), packets: Boolean(flags.packets), style: decideOutput(ctx, flags.color), ...judging });
}

/** Every connection in turn; the exit code is the most severe of theirs. */
function traceAll(ctx: CliContext, file: string, captures: readonly Capture[], flags: ReadFlags & TrustFlags, judging: Judging): void {
  const { trustStore, at } = judging;
  const ct = judging.ctLogList ? { ctLogList: judging.ctLogList } : {};
  if (flags.json) {
    const traces = captures.map((c) => renderJson({ ...analyseCapture(c, { trustStore, ...ct, at: at ?? new Date(c.startedAt), showSecrets: Boolean(flags.showSecrets) }) }));
    ctx.stdout(`${JSON.stringify({ format: 'tls-trace-read', schemaVersion: SCHEMA_VERSION, file, traces }, null, 2)}\n`);
    ctx.exitCode = Math.max(0, ...captures.map((c) => exitCodeFor(c)));
    return;
  }
  let worst = 0;
  for (const c of captures) {
    ctx.exitCode = 0;
    present(ctx, c, { json: false, hex: Boolean(flags.hex), ...ladderFlags(flags), showSecrets: Boolean(flags.showSecrets), packets: Boolean(flags.packets), style: decideOutput(ctx, flags.color), trustStore, ...ct, ...(at ? { at } : {}) });
    worst = Math.max(worst, ctx.exitCode);
    ctx.stdout('\n');
  }
  ctx.exitCode = worst;
}

/** A file that is not pcap or pcapng, as text (for a `--save` file) and its first bytes as they are, for the error. */
interface SavedInput {
  text: string;
  head: string;
}

/** Hex of the raw first bytes: the text's would show a byte that is not UTF-8 as U+FFFD's efbfbd. */
const savedInput = (bytes: Buffer): SavedInput => ({ text: bytes.toString('utf8'), head: bytes.subarray(0, 4).toString('hex') });

/** A `--save` capture file: exactly what `replay` does, with any --keylog lines added. */
function readSavedText(ctx: CliContext, file: string, saved: SavedInput, flags: ReadFlags & TrustFlags, keylog: readonly string[], judging: Judging): void {
  const { text, head } = saved;
  if (!text.trimStart().startsWith('{')) {
    throw new UsageError(text.length === 0 ? `${file} is empty: not a capture` : `${file} is not a capture: not pcap, pcapng or a tls-trace capture file (it starts with ${head})`);
  }
  if (flags.filter !== undefined || flags.ndjson) throw new UsageError(`${file} is a tls-trace capture file (one connection): --filter and --ndjson apply to pcap and pcapng captures`);
  const capture = parseCapture(text, file);
  // A loop, not push(...keylog): a long --keylog would overflow the argument limit.
  for (const l of keylog) capture.keylog.push(l);
  const pcapFailure = writePcapFile(flags.pcap, [capture]);
  traceOne(ctx, capture, flags, judging);
  reportWriteFailures(ctx, [pcapFailure]);
}
