// `tls-trace replay FILE`: decode a capture saved with `--save`, offline, with the same output
// (and the same exit code) as the live trace that recorded it.

import type { Command } from 'commander';
import { parseCapture } from '../../capture/capture-file.js';
import { MAX_CAPTURE_FILE_BYTES } from '../../limits.js';
import type { CliContext } from '../context.js';
import { decideOutput } from '../output.js';
import { readInputText } from '../read-file.js';
import { addTrustOptions, parseAt, type TrustFlags } from '../trust-options.js';
import { ctLogListOption } from '../ct-options.js';
import { htmlFlag, ladderFlags, present, traceTrustStore } from './trace.js';

/** The output flags replay and read share (read adds its own). */
export interface ReplayFlags {
  json?: boolean;
  hex?: boolean;
  color?: boolean;
  ladder?: boolean;
  ascii?: boolean;
  showSecrets?: boolean;
  html?: string;
}

export function registerReplay(program: Command, ctx: CliContext): void {
  addTrustOptions(program.command('replay'))
    .description('decode a capture saved with --save, offline (no network)')
    .argument('<file>', 'capture file written by `tls-trace HOST --save FILE` (- reads stdin)')
    .option('--json', 'print the whole trace as JSON')
    .option('--hex', 'add an annotated hex dump of every message')
    .option('--no-color', 'plain output (also: NO_COLOR, or stdout not a terminal)')
    .option('--no-ladder', 'leave out the ladder diagram that opens the trace')
    .option('--ascii', 'draw the ladder in plain ASCII (also whenever the output is plain)')
    .option('--show-secrets', 'print secret, key and IV values in the key-schedule section')
    .option('--html <file>', 'also write the trace as one self-contained HTML page (ladder, annotated bytes, chain); owner-only with --show-secrets')
    .action(async (file: string, flags: ReplayFlags & TrustFlags) => {
      // Read through the CLI's one file reader (regular files or stdin only, capped), then parsed.
      const text = await readInputText(file, { what: 'capture file', maxBytes: MAX_CAPTURE_FILE_BYTES }, ctx.stdin);
      const capture = parseCapture(text, file === '-' ? 'stdin' : file);
      const trustStore = traceTrustStore(ctx, flags, capture.options.demo === true);
      const at = flags.at === undefined ? undefined : parseAt(flags.at);
      present(ctx, capture, { json: Boolean(flags.json), hex: Boolean(flags.hex), ...ladderFlags(flags), ...htmlFlag(flags), showSecrets: Boolean(flags.showSecrets), style: decideOutput(ctx, flags.color), trustStore, ...ctLogListOption(flags), ...(at ? { at } : {}) });
    });
}
