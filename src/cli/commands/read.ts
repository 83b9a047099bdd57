// `tls-trace read FILE`: a tcpdump/Wireshark capture (pcap, pcapng, gzip or not). One TLS
// connection in it: the same output as a live trace of it. Several: a table of connections, then
// `--stream N` traces one and `--all` every one. The file's own DSB secrets and `--keylog FILE`s
// decrypt as a live trace's key log does. A tls-trace capture JSON (`--save`) is read as `replay` reads it.

import type { Command } from 'commander';
import { connectionFacts, type ConnectionFacts } from '../../analyse/connection-facts.js';
import { analyseCapture } from '../../analyse/pipeline.js';
import { parseCapture } from '../../capture/capture-file.js';
import { formatAddress } from '../../capture/options.js';
import { isPacketCapture, NotRegularFile, readPacketCapture, type FoundConnection } from '../../capture/pcap/index.js';
import type { Capture } from '../../capture/types.js';
import { ExitCode, UsageError, UserError } from '../../errors.js';
import { MAX_CAPTURE_FILE_BYTES, MAX_KEYLOG_FILE_BYTES } from '../../limits.js';
import { connectionsJsonParts, connectionsTableParts, type ConnectionRow, type SkippedConnection } from '../../report/connections-table.js';
import { renderJson, SCHEMA_VERSION } from '../../report/index.js';
import type { CliContext } from '../context.js';
import { errnoReason } from '../errno.js';
import { decideOutput, printError } from '../output.js';
import { fileKind, readInputFile } from '../read-file.js';
import { addTrustOptions, parseAt, type TrustFlags } from '../trust-options.js';
import { exitCodeFor, present, traceTrustStore } from './trace.js';

interface ReadFlags {
  stream?: string;
  all?: boolean;
  keylog: string[];
  json?: boolean;
  hex?: boolean;
  color?: boolean;
  showSecrets?: boolean;
  packets?: boolean;
}

export function registerRead(program: Command, ctx: CliContext): void {
  addTrustOptions(program.command('read'))
    .description('decode the TLS connections in a tcpdump/Wireshark capture (pcap, pcapng, .gz), offline')
    .argument('<file>', 'capture file: pcap or pcapng (gzip-compressed or not), or a tls-trace --save file')
    .option('--stream <n>', 'trace connection number N of the table')
    .option('--all', 'trace every TLS connection, one after another')
    .option('--keylog <file>', 'NSS key log (SSLKEYLOGFILE) to decrypt with; repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--json', 'print JSON: the trace, or the table of connections')
    .option('--hex', 'add an annotated hex dump of every message')
    .option('--no-color', 'plain output (also: NO_COLOR, or stdout not a terminal)')
    .option('--packets', 'list every TCP segment (flags, relative seq/ack, window, length, the TLS record bytes it carries)')
    .option('--show-secrets', 'print secret, key and IV values in the key-schedule section')
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

  constructor(private readonly mode: { stream?: number; all: boolean }) {}

  add(c: FoundConnection): void {
    this.total++;
    if (!c.tls) {
      this.skipped.push({ number: c.number, client: address(c.client), server: address(c.server), reason: c.reason });
      return;
    }
    this.tlsNumbers.push(c.number);
    if (this.mode.stream !== undefined) {
      // Only the chosen connection is analysed: the others are just counted.
      if (c.number === this.mode.stream) this.kept.push({ number: c.number, capture: c.capture });
      if (c.number === this.mode.stream) settleCapture(c.capture);
      return;
    }
    const facts = settleCapture(c.capture);
    if (!this.mode.all) this.rows.push(connectionRow(c.number, address(c.client), c.capture, facts));
    // Without --all only a lone connection is traced: keep the first until a second shows up.
    if (this.mode.all || this.tlsNumbers.length === 1) this.kept.push({ number: c.number, capture: c.capture });
    else this.kept.length = 0;
  }
}

async function readCommand(ctx: CliContext, file: string, flags: ReadFlags & TrustFlags): Promise<void> {
  if (flags.stream !== undefined && flags.all) throw new UsageError('--stream and --all cannot be used together');
  const stream = flags.stream === undefined ? undefined : parseStream(flags.stream);
  const keylog = keylogLines(flags.keylog);
  if (!(await capturePath(file, () => isPacketCapture(file)))) return readSavedCapture(ctx, file, flags, keylog);
  const got = new Collector({ ...(stream !== undefined ? { stream } : {}), all: Boolean(flags.all) });
  const contents = await capturePath(file, () => readPacketCapture(file, keylog, (c) => got.add(c)));
  for (const note of contents.notes) printError(ctx, `note: ${note}`);
  const numbers = got.tlsNumbers.sort((a, b) => a - b);
  if (numbers.length === 0) throw new UserError(`no TLS connection in ${file}: ${got.total} TCP connection(s), none starts with a TLS record (${contents.frames} frames read)`, ExitCode.notTls);
  if (stream !== undefined) {
    const chosen = got.kept[0]?.capture;
    if (!chosen) throw new UsageError(`--stream ${stream}: no TLS connection with that number (the TLS connections are ${numbers.join(', ')})`);
    return traceOne(ctx, chosen, flags);
  }
  if (numbers.length === 1) return traceOne(ctx, got.kept[0].capture, flags);
  if (flags.all) return traceAll(ctx, file, got.kept.sort((a, b) => a.number - b.number).map((k) => k.capture), flags);
  const rows = got.rows.sort((a, b) => a.number - b.number);
  const skipped = got.skipped.sort((a, b) => a.number - b.number);
  const style = decideOutput(ctx, flags.color);
  // Written piece by piece: the table or list of many thousands of connections is never one string.
  const parts = flags.json ? connectionsJsonParts(file, rows, skipped, contents.notes) : connectionsTableParts(file, rows, skipped, { color: style.color, ...(style.width ? { width: style.width } : {}) });
  for (const part of parts) ctx.stdout(part);
  ctx.stdout('\n');
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
  if (!outcome.complete) capture.error = { code: outcome.alert ? 'alert' : 'closed', message: outcome.summary };
  return facts;
}

function connectionRow(number: number, client: string, capture: Capture, facts: ConnectionFacts): ConnectionRow {
  return {
    number,
    client,
    server: address({ addr: capture.target.host, port: capture.target.port }),
    startedAt: capture.startedAt,
    ...(facts.sni !== undefined ? { sni: facts.sni } : {}),
    ...(facts.version !== undefined ? { version: facts.version } : {}),
    ...(facts.cipherSuite !== undefined ? { cipherSuite: facts.cipherSuite } : {}),
    ...(facts.alpn !== undefined ? { alpn: facts.alpn } : {}),
    records: facts.records,
    bytes: facts.bytes,
    complete: facts.outcome.complete,
    outcome: facts.outcome.summary,
  };
}

function traceOne(ctx: CliContext, capture: Capture, flags: ReadFlags & TrustFlags): void {
  const trustStore = traceTrustStore(ctx, flags, false);
  const at = flags.at === undefined ? undefined : parseAt(flags.at);
  present(ctx, capture, { json: Boolean(flags.json), hex: Boolean(flags.hex), showSecrets: Boolean(flags.showSecrets), packets: Boolean(flags.packets), style: decideOutput(ctx, flags.color), trustStore, ...(at ? { at } : {}) });
}

/** Every connection in turn; the exit code is the most severe of theirs. */
function traceAll(ctx: CliContext, file: string, captures: readonly Capture[], flags: ReadFlags & TrustFlags): void {
  const trustStore = traceTrustStore(ctx, flags, false);
  const at = flags.at === undefined ? undefined : parseAt(flags.at);
  if (flags.json) {
    const traces = captures.map((c) => renderJson({ ...analyseCapture(c, { trustStore, at: at ?? new Date(c.startedAt), showSecrets: Boolean(flags.showSecrets) }) }));
    ctx.stdout(`${JSON.stringify({ format: 'tls-trace-read', schemaVersion: SCHEMA_VERSION, file, traces }, null, 2)}\n`);
    ctx.exitCode = Math.max(0, ...captures.map((c) => exitCodeFor(c)));
    return;
  }
  let worst = 0;
  for (const c of captures) {
    ctx.exitCode = 0;
    present(ctx, c, { json: false, hex: Boolean(flags.hex), showSecrets: Boolean(flags.showSecrets), packets: Boolean(flags.packets), style: decideOutput(ctx, flags.color), trustStore, ...(at ? { at } : {}) });
    worst = Math.max(worst, ctx.exitCode);
    ctx.stdout('\n');
  }
  ctx.exitCode = worst;
}

/** A `--save` capture file: exactly what `replay` does, with any --keylog lines added. */
async function readSavedCapture(ctx: CliContext, file: string, flags: ReadFlags & TrustFlags, keylog: readonly string[]): Promise<void> {
  const text = readInputFile(file, { what: 'capture file', maxBytes: MAX_CAPTURE_FILE_BYTES }).toString('utf8');
  if (!text.trimStart().startsWith('{')) {
    const head = Buffer.from(text.slice(0, 4), 'utf8').toString('hex');
    throw new UsageError(text.length === 0 ? `${file} is empty: not a capture` : `${file} is not a capture: not pcap, pcapng or a tls-trace capture file (it starts with ${head})`);
  }
  const capture = parseCapture(text, file);
  // A loop, not push(...keylog): a long --keylog would overflow the argument limit.
  for (const l of keylog) capture.keylog.push(l);
  traceOne(ctx, capture, flags);
}
