/**
 * A platform as a self-describing module. Each `adapters/<platform>/index.ts` exports one
 * `PlatformDescriptor`; `adapters/registry.ts` lists them; config loading, env binding, adapter
 * start, status, metrics, HTTP routes and the reply queues read the list. Adding a platform is a
 * new folder and one line in the registry (see adapters/README.md).
 */

import type { Logger } from 'pino';
import type { Static, TObject, TSchema } from 'typebox';
import type { WebSocket } from 'ws';
import type { PlatformAdapter } from './adapter.js';
import type { Platform } from './chat-event.js';

/**
 * Channels an adapter joined at run time (by login or id), remembered across restarts; scoped to
 * one platform. Backed by the `platform_channels` table (or memory).
 */
export interface RememberedChannels {
  /** The remembered channels, in the order they were added. */
  list(): Promise<string[]>;
  add(channel: string): Promise<void>;
  remove(channel: string): Promise<void>;
}

/**
 * Whose grant: `bot` (the bot account's own OAuth token, e.g. Twitch's newest refresh token) or
 * `broadcaster` (a channel owner who authorized chatgate for their channel's events).
 */
export type GrantRole = 'bot' | 'broadcaster';

/** A user's OAuth grant to chatgate on one platform. */
export interface PlatformGrant {
  role: GrantRole;
  /** The platform's id of the user who granted it (a Twitch user id). */
  subjectId: string;
  /** The scopes granted, as the platform names them (`channel:read:redemptions`). */
  scopes: string[];
  /** The refresh token: a secret, stored encrypted, never logged nor answered by a route. */
  refreshToken: string;
  /** When it was stored last, ms since the epoch. */
  updatedAt: number;
}

/**
 * The OAuth grants of one platform, kept across restarts (table `platform_grants`, the refresh
 * token sealed with AES-256-GCM under `CHATGATE_SECRET_KEY` like community API keys; or memory).
 */
export interface PlatformGrants {
  /** False when grants cannot be stored (no `CHATGATE_SECRET_KEY`): `put` then throws. */
  readonly writable: boolean;
  /**
   * The grant of `subjectId` in `role`, or undefined.
   * @throws when the store is down or the sealed token cannot be opened (another secret key).
   */
  get(role: GrantRole, subjectId: string): Promise<PlatformGrant | undefined>;
  /** Every grant in `role`, without its refresh token. */
  list(role: GrantRole): Promise<Array<Omit<PlatformGrant, 'refreshToken'>>>;
  /**
   * Stores (or replaces) a grant; `updatedAt` is set by the store.
   * @throws SecretKeyMissingError-like errors when not `writable`; store errors.
   */
  put(grant: Omit<PlatformGrant, 'updatedAt'>): Promise<void>;
  /** Forgets a grant; false when there was none. */
  remove(role: GrantRole, subjectId: string): Promise<boolean>;
}

/** What chatgate gives a descriptor to build its adapter: the core's ports, nothing platform-specific. */
export interface PlatformPorts {
  /** A child logger bound to the platform; message bodies only at debug level, never tokens. */
  logger: Logger;
  /** Channels joined at run time, remembered across restarts. */
  channels: RememberedChannels;
  /** Counts one outbound rate-limit wait (`chatgate_rate_limited_total{scope=<platform>}`). */
  rateLimited(): void;
  /** The configured personality names (config `personalities`), for platforms that let a user pick one. */
  personalities?: readonly string[];
  /** OAuth grants kept for the platform (unset in a test or process that keeps none). */
  grants?: PlatformGrants;
  /**
   * Counts one outbound message the platform accepted but did not deliver (Twitch's
   * `is_sent: false`), by its `reason` (`msg_duplicate` …):
   * `chatgate_platform_messages_dropped_total{platform,reason}`.
   */
  messageDropped?(reason: string): void;
}

/** A request to a platform route, as the HTTP layer parsed it. */
export interface PlatformRequest {
  /** Path parameters, validated against `PlatformRoute.params` when given. */
  params: Record<string, string>;
  /** Query parameters (validated against `PlatformRoute.query` when given); `{}` without any. */
  query?: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (undefined without one); the text as received with `rawBody`. */
  body: unknown;
  /** Header names in lower case. */
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A platform route's answer: a status with an optional JSON body (none at all for an empty 2xx),
 * or a failure that the HTTP layer answers in chatgate's error shape
 * `{ detail, error_code, timestamp, correlation_id, retry_after? }`.
 */
export type PlatformResponse =
  | { status: number; body?: unknown }
  | { status: number; error: { code: string; detail: string; retryAfterSeconds?: number } };

/**
 * How a platform route appears in the API description (`/openapi.json`, `/docs`). Documentation
 * only: the HTTP layer validates nothing against it (a route reads its own body and headers).
 */
export interface PlatformRouteDocs {
  summary: string;
  /** Markdown: what it does, how the caller authenticates (a webhook's secret header). */
  description?: string;
  /** JSON Schema of the body it reads (JSON). */
  body?: TSchema;
  /**
   * Its successful answers by status: the body's JSON Schema (JSON), `{ mediaType, schema }` for a
   * body of another type (a webhook challenge as text/plain), or `null` for an empty body.
   */
  answers: Record<number, TSchema | { mediaType: string; schema: TSchema } | null>;
  /** Its failures by status, with what each means; answered in chatgate's error shape. */
  failures: Record<number, string>;
}

/**
 * An HTTP route a platform needs (a webhook, an admin route to join or leave a channel), described
 * without an HTTP framework: the HTTP layer mounts it.
 */
export interface PlatformRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A fastify-style path, e.g. `/api/v1/platforms/<platform>/channels/:login`. */
  url: string;
  /**
   * `admin`: behind the admin key, like the other admin routes. `open`: no bearer key; the route
   * authenticates the caller itself (a platform's webhook secret).
   */
  access: 'admin' | 'open';
  /** JSON Schema of the path parameters; a mismatch is a 400 naming the parameter. */
  params?: TObject;
  /** JSON Schema of the query string; a mismatch is a 400 naming the parameter. */
  query?: TObject;
  /** JSON Schema of a JSON body; a mismatch is a 400 naming the field. */
  body?: TObject;
  /** Largest body accepted, bytes (default: the app's 1 MiB). */
  bodyLimit?: number;
  /**
   * Hand `handle` the body as received (a string, any content type, unparsed), for a webhook whose
   * signature covers the exact bytes (Twitch EventSub). Default: parsed JSON.
   */
  rawBody?: boolean;
  /**
   * Checked as soon as the headers arrive, before the body is read (a webhook's secret): an
   * answer here ends the request, so an unauthenticated caller cannot make us hold its body.
   */
  authorize?(request: Omit<PlatformRequest, 'body'>): PlatformResponse | undefined;
  handle(request: PlatformRequest): Promise<PlatformResponse>;
  /** The route in the API description (`/openapi.json`). */
  docs?: PlatformRouteDocs;
}

/**
 * Who signed in on a socket with a key, as the HTTP layer's auth decides (src/http/auth.ts):
 * `admin` (the admin key), `integration` (an API key, or anyone while no key is set), `client` (a
 * client key, limited to `communityId`; `keyId` for a stored one). `userId` names the key without
 * revealing it (`admin`, `key:<stored id>`, `key:<digest prefix>`, `anonymous`).
 */
export interface SocketCaller {
  scope: 'admin' | 'integration' | 'client';
  /** With `client`: the one community the key may use. */
  communityId?: string;
  /** With a stored client key: its id (usage counts by it). */
  keyId?: string;
  userId: string;
  /**
   * With a stored client key that has limits (`rpm`, `daily_tokens`): counts one message against
   * them, or says why it may not go (a sentence, and seconds until the limit resets). Never rejects.
   */
  admit?(): Promise<{ refused: string; retryAfterSeconds: number } | undefined>;
}

/** What the HTTP layer gives a socket route with each connection. */
export interface PlatformSocketContext {
  /**
   * Checks a key sent inside the socket (never in the URL): the caller, or why it is refused (a
   * sentence without the key). Never rejects: a key store that cannot be reached is a refusal.
   */
  authenticate(key: string): Promise<SocketCaller | { refused: string }>;
  /** The upgrade request's id, for logs. */
  requestId: string;
}

/**
 * A WebSocket route a platform needs (the web chat): the HTTP layer upgrades `GET url`
 * (`@fastify/websocket`, on the `ws` package) and hands each socket to `connect`. The route
 * authenticates its caller itself, inside the socket.
 */
export interface PlatformSocketRoute {
  url: string;
  /** Largest frame accepted, bytes: a larger one closes the socket with 1009 (ws's own check). */
  maxPayloadBytes: number;
  /** Takes one new socket; never throws (the socket's own frames say what went wrong). */
  connect(socket: WebSocket, context: PlatformSocketContext): void;
}

/**
 * A platform's section of the config (`platforms.<platform>`): its schema, validated with the rest
 * of the config at start, each field that an environment variable sets naming it
 * (`channels: Type.Array(Type.String(), { env: 'EXAMPLE_CHANNELS' })`, `secret: true` for a secret);
 * and its defaults, laid over `config/default.yaml` and under the config file and the env.
 */
export interface PlatformConfigSection<Schema extends TObject = TObject> {
  readonly schema: Schema;
  readonly defaults: Partial<Static<Schema>>;
}

/**
 * One platform: its name, its section of the config (`platforms.<platform>`) with defaults and
 * environment variables, its message limits, and how to build its adapter and routes.
 *
 * @typeParam Name the platform's name, one of `Platform`.
 * @typeParam Schema the TypeBox schema of `platforms.<platform>`.
 * @typeParam Adapter what `create` builds (the platform's own adapter type, for `routes`).
 */
export interface PlatformDescriptor<
  Name extends Platform = Platform,
  Schema extends TObject = TObject,
  Adapter extends PlatformAdapter = PlatformAdapter,
> {
  readonly platform: Name;
  /** Its section of the config, `platforms.<platform>`. */
  readonly config: PlatformConfigSection<Schema>;
  /**
   * Outbound limits, chars: one platform message (`limits.messageMaxChars.<platform>`, asked of the
   * model in the prompt) and a whole reply (`limits.replyMaxChars.<platform>`, cut there by the
   * worker, split into messages by the adapter). Defaults; the config may override them.
   */
  readonly limits: { readonly messageMaxChars: number; readonly replyMaxChars: number };
  /**
   * Builds the adapter from the validated section, or resolves `undefined` when its credentials
   * are unset (the platform then does not start). Loads the platform library only when called.
   * Nothing connects before `adapter.start(host)`.
   */
  create(config: Static<Schema>, ports: PlatformPorts): Promise<Adapter | undefined>;
  /**
   * Routes to mount. Called with the adapter (or `undefined` when the platform is not configured:
   * a route may then answer 404) and the same ports as `create`.
   */
  routes?(adapter: Adapter | undefined, ports: PlatformPorts): PlatformRoute[];
  /** WebSocket routes to mount (called like `routes`). */
  sockets?(adapter: Adapter | undefined, ports: PlatformPorts): PlatformSocketRoute[];
}

/**
 * Declares a descriptor with its literal name and schema type kept, so that the registry can
 * derive the config's type from the list (`Config['platforms'][name]`).
 */
export function definePlatform<
  const Name extends Platform,
  Schema extends TObject,
  Adapter extends PlatformAdapter,
>(descriptor: PlatformDescriptor<Name, Schema, Adapter>): PlatformDescriptor<Name, Schema, Adapter> {
  return descriptor;
}

/** Any descriptor, whatever its schema and adapter types (what the registry holds). */
// biome-ignore lint/suspicious/noExplicitAny: the list mixes descriptors of different schema types
export type AnyPlatformDescriptor = PlatformDescriptor<Platform, TObject, any>;
