// Which side sent each TLS record, and how long it is, by tls-trace's `read --json` of one
// connection and by tshark (told the server's port with -d, so it needs no handshake to know it):
// comparable per side for captures whose start or framing is awkward.

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

