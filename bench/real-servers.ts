// `npx tsx bench/real-servers.ts [--runs N]`: how long each real server of the STARTTLS tests
// (test/helpers/real-servers) takes from its first setup step to listening, first start in a
// process (PostgreSQL and MariaDB build their data dir then) and later starts (a copy of it), and
// the milliseconds of one `openssl s_client -starttls` against it. Prints medians; never fails
// on speed. A server whose binary is missing is listed as such.

import { execFileSync } from 'node:child_process';
import { findServerBinary, type RealServer } from '../test/helpers/real-servers/common.js';
import { startDovecot } from '../test/helpers/real-servers/dovecot.js';
import { startExim } from '../test/helpers/real-servers/exim.js';
import { startMariadb } from '../test/helpers/real-servers/mariadb.js';
import { canRunNnrpd, startNnrpd } from '../test/helpers/real-servers/nnrpd.js';
import { startPostgres } from '../test/helpers/real-servers/postgres.js';
import { startProsody } from '../test/helpers/real-servers/prosody.js';
import { startSlapd } from '../test/helpers/real-servers/slapd.js';
import { startVsftpd } from '../test/helpers/real-servers/vsftpd.js';

interface Subject {
  name: string;
  binary: string;
  proto: string;
  start: () => Promise<RealServer>;
  extra?: string[];
  runnable?: boolean;
}

const subjects: Subject[] = [
  { name: 'exim4', binary: 'exim4', proto: 'smtp', start: () => startExim() },
  { name: 'dovecot', binary: 'dovecot', proto: 'imap', start: () => startDovecot() },
  { name: 'postgresql', binary: 'postgres', proto: 'postgres', start: () => startPostgres() },
  { name: 'mariadb', binary: 'mariadbd', proto: 'mysql', start: () => startMariadb() },
  { name: 'slapd', binary: 'slapd', proto: 'ldap', start: () => startSlapd() },
  { name: 'vsftpd', binary: 'vsftpd', proto: 'ftp', start: () => startVsftpd() },
  { name: 'prosody', binary: 'prosody', proto: 'xmpp', start: () => startProsody(), extra: ['-xmpphost', 'localhost'] },
  { name: 'nnrpd', binary: 'nnrpd', proto: 'nntp', start: () => startNnrpd(), runnable: canRunNnrpd() },
];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function sClientMs(server: RealServer, s: Subject): number {
  const t0 = performance.now();
  execFileSync('openssl', ['s_client', '-starttls', s.proto, '-connect', `${server.host}:${server.port}`, '-CAfile', server.caFile, '-brief', ...(s.extra ?? [])], {
    input: '',
    stdio: ['pipe', 'ignore', 'ignore'],
    timeout: 20_000,
  });
  return performance.now() - t0;
}

async function measure(s: Subject, runs: number): Promise<string> {
  if (!findServerBinary(s.binary)) return `${s.name.padEnd(11)} not installed`;
  if (s.runnable === false) return `${s.name.padEnd(11)} cannot run as this user`;
  const starts: number[] = [];
  const handshakes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const server = await s.start();
    starts.push(server.startMs);
    handshakes.push(sClientMs(server, s));
    await server.stop();
  }
  const later = starts.length > 1 ? `${median(starts.slice(1)).toFixed(0)} ms` : '-';
  return `${s.name.padEnd(11)} first start ${String(starts[0]).padStart(5)} ms  later starts ${later.padStart(8)}  s_client ${median(handshakes).toFixed(0).padStart(4)} ms`;
}

const runs = arg('runs', 3);
console.log(`real servers: ${runs} starts each (load average ${(await import('node:os')).loadavg()[0].toFixed(1)})`);
for (const s of subjects) console.log(await measure(s, runs));
