// OpenLDAP slapd (Debian slapd) with StartTLS on a loopback port: `slapd -d 0 -h ldap://…/ -f
// CONF` (-d keeps it in the foreground) with a minimal slapd.conf and one small mdb database. It
// reads the package's core schema and modules from /usr (and /etc/ldap/schema) but changes
// nothing there; the system cn=config is never touched. As root it runs as the openldap user.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeServerDir, serverAccount, serverBinary, startRealServer, type RealServer, type RealServerOptions, type ServerFiles } from './common.js';

export interface SlapdOptions extends RealServerOptions {
  /** Configure TLS (default true); false gives a server that refuses StartTLS. */
  tls?: boolean;
}

/** A running slapd; `rootDn`/`rootPassword` bind as its database's admin. */
export interface SlapdServer extends RealServer {
  suffix: string;
  rootDn: string;
  rootPassword: string;
}

const SUFFIX = 'dc=example,dc=test';
const ROOT_DN = `cn=admin,${SUFFIX}`;
const ROOT_PASSWORD = 'secret';

function slapdConfig(files: ServerFiles, tls: boolean): string {
  const d = files.dir;
  const tlsLines = tls ? `TLSCertificateFile ${files.chainFile}\nTLSCertificateKeyFile ${files.keyFile}\n` : '';
  return `include /etc/ldap/schema/core.schema
pidfile ${path.join(d, 'slapd.pid')}
argsfile ${path.join(d, 'slapd.args')}
modulepath /usr/lib/ldap
moduleload back_mdb
${tlsLines}
database mdb
maxsize 10485760
suffix "${SUFFIX}"
rootdn "${ROOT_DN}"
rootpw ${ROOT_PASSWORD}
directory ${path.join(d, 'db')}
`;
}

/** Starts slapd listening for LDAP (StartTLS available) on 127.0.0.1 at a free port. */
export async function startSlapd(opts: SlapdOptions = {}): Promise<SlapdServer> {
  const setupStartedAt = Date.now();
  const binary = serverBinary('slapd', 'slapd');
  const account = serverAccount('openldap');
  const files = makeServerDir('slapd');
  mkdirSync(path.join(files.dir, 'db'));
  const conf = path.join(files.dir, 'slapd.conf');
  writeFileSync(conf, slapdConfig(files, opts.tls !== false));
  const server = await startRealServer({
    name: 'slapd',
    files,
    account,
    portNames: ['ldap'],
    // -d 0: stay in the foreground, log nothing routine (errors still reach stderr).
    command: (ports) => ({ cmd: binary, args: ['-d', '0', '-h', `ldap://127.0.0.1:${ports.ldap}/`, '-f', conf] }),
    setupStartedAt,
    options: opts,
  });
  return { ...server, suffix: SUFFIX, rootDn: ROOT_DN, rootPassword: ROOT_PASSWORD };
}
