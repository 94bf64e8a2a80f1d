import type { Config } from './config/schema.js';

/** Where the HTTP server listens, and what to tell the operator when that is not `HOST`. */
export interface ListenHost {
  host: string;
  /** Set when the API is open (no key at all): the log's warning. */
  warning?: string;
  /**
   * Set when `HOST` asked for an interface beyond loopback and chatgate listens on 127.0.0.1
   * instead: one line for stderr, since nobody outside can reach it (`docker run -p` included).
   */
  stderrLine?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Without any key the API is open to whoever reaches it, so chatgate then listens on 127.0.0.1
 * only, whatever `HOST` says; a `worker` serves only its probes and listens on `HOST`.
 */
export function listenHost(config: Config): ListenHost {
  const asked = config.server.host;
  const { apiKeys, clientKeys = [], adminKey } = config.auth;
  const open = config.role !== 'worker' && apiKeys.length === 0 && clientKeys.length === 0 && !adminKey;
  if (!open) return { host: asked };
  const warning =
    'CHATGATE_API_KEYS and CHATGATE_ADMIN_KEY are not set: the API accepts requests WITHOUT authentication, so chatgate listens on 127.0.0.1 only. Set keys to listen on HOST.';
  if (LOOPBACK.has(asked)) return { host: '127.0.0.1', warning };
  return {
    host: '127.0.0.1',
    warning,
    stderrLine: `chatgate: listening on 127.0.0.1, NOT on HOST=${asked}: no CHATGATE_API_KEYS or CHATGATE_ADMIN_KEY is set, and an API without keys is not exposed (nothing outside this host or container can reach it, docker run -p included); set keys to listen on ${asked}`,
  };
}
