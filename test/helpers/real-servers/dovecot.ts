// Dovecot (Debian dovecot-imapd, -pop3d, -managesieved, -lmtpd) as IMAP (STARTTLS), POP3 (STLS),
// ManageSieve (STARTTLS) and LMTP (STARTTLS) on four loopback ports: `dovecot -F -c CONF`.
// Dovecot runs unprivileged when every service runs as the same user, so default_internal_user,
// default_login_user and the mail user are all the account it runs as, and no service chroots
// (chroot needs root). base_dir and state_dir are private, so it never touches /run/dovecot.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeServerDir, serverAccount, serverBinary, startRealServer, type Account, type RealServer, type RealServerOptions, type ServerFiles } from './common.js';

export interface DovecotOptions extends RealServerOptions {
  /** Offer STARTTLS/STLS (default true); false gives servers that do not. */
  starttls?: boolean;
  /** Allow plaintext AUTH/LOGIN before TLS (default false: IMAP advertises LOGINDISABLED). */
  plaintextAuth?: boolean;
}

/** A running dovecot with a login user from its passwd-file. */
export interface DovecotServer extends RealServer {
  user: string;
  password: string;
}

const USER = 'test';
const PASSWORD = 'secret';

/** ManageSieve only when its package (dovecot-managesieved) is installed. */
export function hasManageSieve(): boolean {
  return existsSync('/usr/lib/dovecot/managesieve-login');
}

/** LMTP only when its package (dovecot-lmtpd) is installed. */
export function hasLmtp(): boolean {
  return existsSync('/usr/lib/dovecot/lmtp');
}

function listener(service: string, name: string, port: number, tlsName?: string): string {
  // The implicit-TLS listener (imaps, pop3s) is switched off: port 0 there means "do not listen".
  const tlsListener = tlsName ? `\n  inet_listener ${tlsName} {\n    port = 0\n  }` : '';
  return `service ${service} {
  chroot =
  inet_listener ${name} {
    address = 127.0.0.1
    port = ${port}
  }${tlsListener}
}`;
}

function dovecotConfig(files: ServerFiles, account: Account, ports: Record<string, number>, opts: DovecotOptions): string {
  const d = files.dir;
  const sieve = ports.sieve !== undefined;
  const lmtp = ports.lmtp !== undefined;
  return `base_dir = ${path.join(d, 'run')}
state_dir = ${path.join(d, 'state')}
log_path = /dev/stderr
protocols = imap pop3${sieve ? ' sieve' : ''}${lmtp ? ' lmtp' : ''}
listen = 127.0.0.1
ssl = ${opts.starttls === false ? 'no' : 'yes'}
ssl_cert = <${files.chainFile}
ssl_key = <${files.keyFile}
default_internal_user = ${account.name}
default_internal_group = ${account.group}
default_login_user = ${account.name}
disable_plaintext_auth = ${opts.plaintextAuth ? 'no' : 'yes'}
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = ${path.join(d, 'passwd')}
}
userdb {
  driver = static
  args = uid=${account.name} gid=${account.group} home=${path.join(d, 'home')}/%u
}
mail_location = maildir:~/Maildir
service anvil {
  chroot =
}
${listener('imap-login', 'imap', ports.imap, 'imaps')}
${listener('pop3-login', 'pop3', ports.pop3, 'pop3s')}
${sieve ? listener('managesieve-login', 'sieve', ports.sieve) : ''}
${lmtp ? listener('lmtp', 'lmtp', ports.lmtp) : ''}
`;
}

/**
 * Starts dovecot with IMAP (`port`/`ports.imap`), POP3 (`ports.pop3`) and, when their packages
 * are installed, ManageSieve (`ports.sieve`) and LMTP (`ports.lmtp`), all on 127.0.0.1.
 */
export async function startDovecot(opts: DovecotOptions = {}): Promise<DovecotServer> {
  const setupStartedAt = Date.now();
  const binary = serverBinary('dovecot', 'dovecot-imapd');
  const account = serverAccount('dovenull');
  const files = makeServerDir('dovecot');
  for (const sub of ['run', 'state', 'home']) mkdirSync(path.join(files.dir, sub));
  writeFileSync(path.join(files.dir, 'passwd'), `${USER}:{PLAIN}${PASSWORD}::::::\n`, { mode: 0o600 });
  const conf = path.join(files.dir, 'dovecot.conf');
  const server = await startRealServer({
    name: 'dovecot',
    files,
    account,
    portNames: ['imap', 'pop3', ...(hasManageSieve() ? ['sieve'] : []), ...(hasLmtp() ? ['lmtp'] : [])],
    command: (ports) => {
      writeFileSync(conf, dovecotConfig(files, account, ports, opts));
      return { cmd: binary, args: ['-F', '-c', conf] };
    },
    setupStartedAt,
    options: opts,
  });
  return { ...server, user: USER, password: PASSWORD };
}
