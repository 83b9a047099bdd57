// INN's reader daemon nnrpd (Debian inn2) with NNTP STARTTLS on a loopback port, standalone:
// `nnrpd -D -f -b 127.0.0.1 -p PORT` (-D: its own listener, -f: in the foreground), without innd.
// INNCONF points it at a private inn.conf whose every path (etc, db, spool, overview, run, log)
// is in the private dir, so /etc/news and /var/lib/news are never read. nnrpd answers
// "400 NNTP server unavailable" unless the overview exists, so setup runs `makehistory -O -x`
// over an active file with one empty group. As root it runs as the news user.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeServerDir, ownTree, runSetupStep, serverAccount, serverBinary, setupOrRemove, startRealServer, type RealServer, type RealServerOptions, type ServerFiles } from './common.js';

export interface NnrpdOptions extends RealServerOptions {
  /**
   * Configure TLS (default true). false leaves it unconfigured: nnrpd still advertises STARTTLS
   * and then refuses it with `580 Error initializing TLS` (a "refused" case).
   */
  tls?: boolean;
}

/** A running nnrpd; `group` is its one (empty) newsgroup. */
export interface NnrpdServer extends RealServer {
  group: string;
}

const GROUP = 'local.test';
const SUBDIRS = ['run', 'log', 'tmp', 'spool', 'db', 'overview'];

function innConf(files: ServerFiles, tls: boolean): string {
  const d = files.dir;
  const tlsLines = tls ? `tlscertfile: ${files.chainFile}\ntlskeyfile: ${files.keyFile}\ntlscafile: ${files.caFile}\n` : '';
  return `domain: localdomain
pathhost: localhost
pathnews: /usr/lib/news
pathetc: ${d}
${SUBDIRS.map((s) => `path${s}: ${path.join(d, s)}`).join('\n')}
mta: "/usr/sbin/sendmail -oi -oem %s"
hismethod: hisv6
ovmethod: tradindexed
# nnrpd refuses readers ("400 load average too high") above a load of 16 by default, which a busy
# test machine reaches.
nnrpdloadlimit: 0
${tlsLines}`;
}

/** readers.conf: loopback readers may read everything, without authentication; no posting. */
const READERS_CONF = `auth "loopback" {
    hosts: "127.0.0.1, ::1, localhost"
    default: "<loopback>"
}
access "loopback" {
    users: "<loopback>"
    newsgroups: "*"
    access: R
}
`;

/** timehash needs no map file (tradspool, Debian's default, does). */
const STORAGE_CONF = 'method timehash {\n    newsgroups: *\n    class: 0\n}\n';

function writeNewsTree(files: ServerFiles, tls: boolean): string {
  for (const sub of SUBDIRS) mkdirSync(path.join(files.dir, sub));
  writeFileSync(path.join(files.dir, 'db', 'active'), `${GROUP} 0000000000 0000000001 y\n`);
  writeFileSync(path.join(files.dir, 'readers.conf'), READERS_CONF);
  writeFileSync(path.join(files.dir, 'storage.conf'), STORAGE_CONF);
  const conf = path.join(files.dir, 'inn.conf');
  writeFileSync(conf, innConf(files, tls));
  return conf;
}

/**
 * INN's programs refuse to run unless as the news user or group ("must be run as news group"), so
 * nnrpd can run only when the tests run as root (it then runs as news) or in the news group.
 */
export function canRunNnrpd(): boolean {
  if (process.getuid?.() === 0) return true;
  return spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim() === 'news';
}

/** Starts nnrpd listening for NNTP (STARTTLS advertised) on 127.0.0.1 at a free port. */
export async function startNnrpd(opts: NnrpdOptions = {}): Promise<NnrpdServer> {
  const setupStartedAt = Date.now();
  const nnrpd = serverBinary('nnrpd', 'inn2');
  const makehistory = serverBinary('makehistory', 'inn2');
  const account = serverAccount('news');
  const files = makeServerDir('nnrpd');
  const conf = writeNewsTree(files, opts.tls !== false);
  const env = { ...process.env, LC_ALL: 'C', INNCONF: conf };
  ownTree(files.dir, account);
  await setupOrRemove(files, async () => {
    // -O: build the overview; -x: no history file (nothing to index).
    await runSetupStep(account, makehistory, ['-O', '-x'], 30_000, env);
  });
  const server = await startRealServer({
    name: 'nnrpd',
    files,
    account,
    portNames: ['nntp'],
    command: (ports) => ({ cmd: nnrpd, args: ['-D', '-f', '-b', '127.0.0.1', '-p', String(ports.nntp)], env }),
    setupStartedAt,
    options: opts,
  });
  return { ...server, group: GROUP };
}
