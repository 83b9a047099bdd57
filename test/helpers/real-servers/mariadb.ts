// MariaDB (Debian mariadb-server) with TLS on a loopback port: `mariadb-install-db` (once per
// test process, then copied) into the private dir, then `mariadbd --no-defaults …` in the
// foreground (no /etc/mysql is read). MySQL's STARTTLS is the client setting CLIENT_SSL in its
// reply to the server greeting. mariadbd refuses root unless told otherwise, so as root it runs as
// the mysql system user (or nobody).

import path from 'node:path';
import { copyOfTemplate, makeServerDir, ownTree, runSetupStep, serverAccount, serverBinary, setupOrRemove, startRealServer, type RealServer, type RealServerOptions } from './common.js';

export interface MariadbOptions extends RealServerOptions {
  /** TLS on (default true); false gives a server whose greeting lacks CLIENT_SSL. */
  ssl?: boolean;
  /** Extra mariadbd arguments (e.g. `--tls-version=TLSv1.2`). */
  extraArgs?: string[];
}

/** A running MariaDB; `socket` is its Unix socket (root logs in there with no password). */
export interface MariadbServer extends RealServer {
  socket: string;
}

/** Small InnoDB files: the default 96 MB redo log would be most of the start-up time and disk. */
const SMALL_INNODB = ['--innodb-log-file-size=4M', '--innodb-buffer-pool-size=16M'];

/** Starts a fresh MariaDB listening with TLS on 127.0.0.1 at a free port. */
export async function startMariadb(opts: MariadbOptions = {}): Promise<MariadbServer> {
  const setupStartedAt = Date.now();
  const installDb = serverBinary('mariadb-install-db', 'mariadb-server');
  const mariadbd = serverBinary('mariadbd', 'mariadb-server');
  const account = serverAccount('mysql');
  const files = makeServerDir('mariadb');
  const data = path.join(files.dir, 'data');
  const socket = path.join(files.dir, 'mysqld.sock');
  ownTree(files.dir, account);
  await setupOrRemove(files, async () => {
    await copyOfTemplate('mariadb', account, data, async (dir) => {
      await runSetupStep(account, installDb, [
        '--no-defaults', '--auth-root-authentication-method=normal', `--datadir=${dir}`,
        '--skip-test-db', '--skip-name-resolve', ...SMALL_INNODB,
      ]);
    });
  });
  const tlsArgs = opts.ssl === false ? ['--skip-ssl'] : [`--ssl-cert=${files.chainFile}`, `--ssl-key=${files.keyFile}`];
  const server = await startRealServer({
    name: 'mariadb',
    files,
    account,
    portNames: ['mysql'],
    command: (ports) => ({
      cmd: mariadbd,
      args: [
        '--no-defaults', `--datadir=${data}`, `--socket=${socket}`, `--pid-file=${path.join(files.dir, 'mysqld.pid')}`,
        `--port=${ports.mysql}`, '--bind-address=127.0.0.1', '--skip-name-resolve', ...SMALL_INNODB, ...tlsArgs, ...(opts.extraArgs ?? []),
      ],
    }),
    readyPattern: /ready for connections/,
    setupStartedAt,
    options: opts,
  });
  return { ...server, socket };
}
