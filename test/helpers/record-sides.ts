// Per-side views of a capture for tests on awkward captures: which side sent each TLS record and
// how long it is, by tls-trace's `read --json` and by tshark (told the server's port with -d, so it
// needs no handshake to know it), and tshark's frame list (number, source port, payload length).

import { runCli } from './cli.js';
import { run } from './pcap-tools.js';

/** tshark's TLS record lengths per side ('client'/'server' by the source port). */
export async function tsharkRecordLengths(file: string, port: number, keylog: string): Promise<Record<string, number[]>> {
  const out = await run('tshark', ['-r', file, '-o', `tls.keylog_file:${keylog}`, '-d', `tcp.port==${port},tls`, '-Y', 'tls', '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tls.record.length']);
  const sides: Record<string, number[]> = { client: [], server: [] };
  for (const l of out.replace(/\n$/, '').split('\n')) {
    const [src, lengths] = l.split('\t');
    sides[Number(src) === port ? 'server' : 'client'].push(...lengths.split(',').map(Number));
  }
  return sides;
}

interface Trace {
  target: { port: number };
  records: { direction: string; bodyLength: number }[];
}

/** Our records' body lengths per side, and the port we took for the server's. */
export async function ourRecordLengths(file: string, keylog: string): Promise<{ serverPort: number; sides: Record<string, number[]> }> {
  const r = await runCli(['read', file, '--keylog', keylog, '--json']);
  const trace = JSON.parse(r.stdout) as Trace;
  const sides: Record<string, number[]> = { client: [], server: [] };
  for (const rec of trace.records) sides[rec.direction].push(rec.bodyLength);
  return { serverPort: trace.target.port, sides };
}

/** A frame of a capture as tshark numbers it: its TCP source port and payload length. */
export interface Frame {
  number: number;
  srcPort: number;
  len: number;
}

/** Every frame of `file` in tshark's order. */
export async function tsharkFrames(file: string): Promise<Frame[]> {
  const out = await run('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.srcport', '-e', 'tcp.len']);
  return out.replace(/\n$/, '').split('\n').map((l) => {
    const [number, srcPort, len] = l.split('\t').map(Number);
    return { number, srcPort, len };
  });
}
