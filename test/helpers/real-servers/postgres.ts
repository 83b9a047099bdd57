// PostgreSQL (Debian postgresql) with TLS on a loopback port: `initdb` (once per test process, then
// copied) into the private dir, then `postgres -D DIR -k DIR -p PORT -c ssl=on …` in the
// foreground. PostgreSQL's STARTTLS is its SSLRequest packet, answered 'S' before the handshake.
// It refuses to run as root, so as root it runs as the postgres system user (or nobody). The
// cluster is throwaway: fsync and initdb's sync are off, authentication is `trust` for the
// `postgres` role on loopback only.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { copyOfTemplate, makeServerDir, ownTree, runSetupStep, serverAccount, serverBinary, setupOrRemove, startRealServer, type RealServer, type RealServerOptions } from './common.js';

export interface PostgresOptions extends RealServerOptions {
  /** ssl=on (default true); false gives a server that answers SSLRequest with 'N'. */
  ssl?: boolean;
  /** Extra `-c name=value` settings (e.g. `ssl_min_protocol_version=TLSv1.3`). */
  settings?: Record<string, string>;
}

/** A running PostgreSQL; `user` is its superuser role (trust authentication on loopback). */
export interface PostgresServer extends RealServer {
  user: string;
  /** The directory of its Unix socket (`psql -h socketDir`). */
  socketDir: string;
}

const ROLE = 'postgres';

/** Starts a fresh PostgreSQL cluster listening with TLS on 127.0.0.1 at a free port. */
export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresServer> {
  const setupStartedAt = Date.now();
  const initdb = serverBinary('initdb', 'postgresql');
  const postgres = serverBinary('postgres', 'postgresql');
  const account = serverAccount('postgres');
  const files = makeServerDir('postgres');
  const data = path.join(files.dir, 'data');
  const socketDir = path.join(files.dir, 'sock');
  mkdirSync(socketDir);
  ownTree(files.dir, account);
  await setupOrRemove(files, async () => {
    await copyOfTemplate('postgres', account, data, async (dir) => {
      await runSetupStep(account, initdb, ['-D', dir, '-U', ROLE, '--auth=trust', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C']);
    });
  });
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    ssl: opts.ssl === false ? 'off' : 'on',
    ssl_cert_file: files.chainFile,
    ssl_key_file: files.keyFile,
    fsync: 'off',
    ...opts.settings,
  };
  const server = await startRealServer({
    name: 'postgres',
    files,
    account,
    portNames: ['postgres'],
    command: (ports) => ({
      cmd: postgres,
      args: ['-D', data, '-k', socketDir, '-p', String(ports.postgres), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
    }),
    // It listens before crash recovery/start-up is over; connections then get "starting up".
    readyPattern: /database system is ready to accept connections/,
    setupStartedAt,
    options: opts,
  });
  return { ...server, user: ROLE, socketDir };
}
