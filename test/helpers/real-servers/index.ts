// One import for the real-server helpers: `import { startExim, … } from '../helpers/real-servers/index.js'`.

export { describeWithServers, findServerBinary, type RealServer, type RealServerOptions } from './common.js';
export { hasLmtp, hasManageSieve, startDovecot, type DovecotOptions, type DovecotServer } from './dovecot.js';
export { startExim, type EximOptions } from './exim.js';
export { startMariadb, type MariadbOptions, type MariadbServer } from './mariadb.js';
export { canRunNnrpd, startNnrpd, type NnrpdOptions, type NnrpdServer } from './nnrpd.js';
export { startPostgres, type PostgresOptions, type PostgresServer } from './postgres.js';
export { startProsody, type ProsodyOptions, type ProsodyServer } from './prosody.js';
export { startSlapd, type SlapdOptions, type SlapdServer } from './slapd.js';
export { startVsftpd, type VsftpdOptions } from './vsftpd.js';
