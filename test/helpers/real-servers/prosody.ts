// Prosody (Debian prosody) with XMPP STARTTLS for clients (c2s) and servers (s2s) on two loopback
// ports: `prosody -F --config CONF` with its data_path in the private dir. Prosody refuses to run
// as root, so as root it runs as the prosody user (or nobody). Its one virtual host is
// `localhost`: a client must name it in its stream header (`s_client -xmpphost localhost`,
// tls-trace `--xmpp-host localhost`), else Prosody answers host-unknown before any TLS.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeServerDir, serverAccount, serverBinary, startRealServer, type RealServer, type RealServerOptions, type ServerFiles } from './common.js';

export interface ProsodyOptions extends RealServerOptions {
  /** Offer STARTTLS (default true); false loads no TLS module, so no <starttls/> feature. */
  tls?: boolean;
}

/** A running Prosody; `port`/`ports.c2s` for clients, `ports.s2s` for servers. */
export interface ProsodyServer extends RealServer {
  /** The XMPP domain it serves (the stream header's `to`). */
  xmppHost: string;
}

const XMPP_HOST = 'localhost';

function luaString(s: string): string {
  return JSON.stringify(s);
}

function prosodyConfig(files: ServerFiles, ports: Record<string, number>, tls: boolean): string {
  const d = files.dir;
  const modules = tls ? '"tls", "saslauth", "dialback", "disco", "ping"' : '"saslauth", "dialback", "disco", "ping"';
  return `pidfile = ${luaString(path.join(d, 'prosody.pid'))}
data_path = ${luaString(path.join(d, 'data'))}
certificates = ${luaString(path.join(d, 'certs'))}
log = { { levels = { min = "info" }, to = "console" } }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { ${ports.c2s} }
s2s_ports = { ${ports.s2s} }
-- Every other listener off, so nothing binds a fixed port (5347, 5280, 5223 …).
c2s_direct_tls_ports = { }
s2s_direct_tls_ports = { }
legacy_ssl_ports = { }
component_ports = { }
http_ports = { }
https_ports = { }
modules_enabled = { ${modules} }
-- posix would daemonize and write to syslog; -F keeps it in the foreground anyway.
modules_disabled = { "posix" }
ssl = { certificate = ${luaString(files.chainFile)}, key = ${luaString(files.keyFile)} }
c2s_require_encryption = ${tls}
s2s_require_encryption = ${tls}
s2s_secure_auth = false
authentication = "internal_hashed"
storage = "internal"
VirtualHost ${luaString(XMPP_HOST)}
`;
}

/** Starts Prosody with c2s (`port`) and s2s (`ports.s2s`) STARTTLS on 127.0.0.1 at free ports. */
export async function startProsody(opts: ProsodyOptions = {}): Promise<ProsodyServer> {
  const setupStartedAt = Date.now();
  const binary = serverBinary('prosody', 'prosody');
  const account = serverAccount('prosody');
  const files = makeServerDir('prosody');
  mkdirSync(path.join(files.dir, 'data'));
  mkdirSync(path.join(files.dir, 'certs'));
  const conf = path.join(files.dir, 'prosody.cfg.lua');
  const server = await startRealServer({
    name: 'prosody',
    files,
    account,
    portNames: ['c2s', 's2s'],
    command: (ports) => {
      writeFileSync(conf, prosodyConfig(files, ports, opts.tls !== false));
      return { cmd: binary, args: ['-F', '--config', conf] };
    },
    // Prosody stays up when a port is taken ("Activated service 'c2s' on no ports"), so a TCP
    // connect proves nothing: ready is both services activated on an address.
    readyPattern: /^(?=[\s\S]*Activated service 'c2s' on \[)(?=[\s\S]*Activated service 's2s' on \[)/,
    setupStartedAt,
    options: opts,
  });
  return { ...server, xmppHost: XMPP_HOST };
}
