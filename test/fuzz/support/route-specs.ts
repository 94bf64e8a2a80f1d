/**
 * What the fuzzer sends to each route: path, query and body arbitraries built from the route's
 * schema where it exports one, hand-written from the route's documented fields where it does not,
 * and hostile everywhere (hostile.ts). One spec per `METHOD path` of the route table; `HEAD` shares
 * its `GET`'s.
 */
import fc from 'fast-check';
import { CHAT_MODES, PROVIDER_KINDS } from '../../../src/config/schema.js';
import { CHAT_EVENT_TYPES, PLATFORMS } from '../../../src/core/chat-event.js';
import { CommunityConfigBody } from '../../../src/http/schemas/community-config.js';
import { ChatEventBodySchema, RouterBodySchema } from '../../../src/http/schemas/interaction-body.js';
import { embeddingsRequest } from './embeddings-request.js';
import {
  hostileJson,
  hostileKey,
  hostileString,
  jsonObject,
  jsonString,
  nested,
  pathSegment,
  queryString,
  someOptions,
} from './hostile.js';
import { responsesRequest } from './responses-request.js';
import { jsonFromSchema } from './schema-json.js';

/** Which error body a route answers with. */
export type ErrorShape = 'ours' | 'openai';

/** Whose credentials the request carries when it carries the right ones. */
export type Access = 'caller' | 'admin' | 'open' | 'telegram';

/** How to build requests for one route. */
export interface RouteSpec {
  shape: ErrorShape;
  access: Access;
  /** The concrete path (no query). */
  path: fc.Arbitrary<string>;
  query?: fc.Arbitrary<string>;
  /** The body as sent: JSON text mostly, raw bytes now and then. */
  body?: fc.Arbitrary<string | Buffer>;
  /**
   * The route answers with a live event stream that does not end (`GET /api/v1/console/events`):
   * the fuzzer takes a 200 stream's head as the answer and closes it (fuzz-run.ts).
   */
  stream?: true;
  /**
   * Reads or writes the SQL stores (community configs, interaction log): fuzzed on PGlite and
   * PostgreSQL too, not only on memory stores.
   */
  sql?: true;
}

/** Communities the fuzzer writes and reads, so that routes meet each other's state. */
export const FUZZ_COMMUNITIES = ['api:fuzz', 'api:default', 'api:demo', 'twitch:channel:1'] as const;

/** An unreachable upstream on loopback (the discard port refuses at once): never the internet. */
export const DEAD_UPSTREAM = 'http://127.0.0.1:9/v1';

const communityId = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FUZZ_COMMUNITIES) },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
);

/** A body that is not JSON: truncated text, bytes that are not UTF-8, an empty string. */
const brokenBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.constantFrom('', '{', '{"a":', 'nul', '[1,]', '{"a":1}garbage', '\u0000'),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d])),
);

/** A body built from `valid` (JSON text), else any hostile JSON value, else not JSON at all. */
function body(valid: fc.Arbitrary<string>): fc.Arbitrary<string | Buffer> {
  return fc.oneof(
    { weight: 12, arbitrary: valid },
    { weight: 2, arbitrary: hostileJson },
    { weight: 1, arbitrary: brokenBody },
  );
}

/** Text that sometimes calls the bot, so that accepted events run through the worker. */
const eventText = fc
  .tuple(
    fc.constantFrom('', '!ai ', '@chatgate ', 'hello '),
    fc.oneof(fc.string({ maxLength: 30 }), hostileString(4)),
  )
  .map(([lead, rest]) => jsonString(`${lead}${rest}`));

/** Callback URLs stay on loopback (the event is still accepted; delivery fails fast). */
const callbackUrl = fc.constant(jsonString('http://127.0.0.1:9/callback'));

const interactionBody = fc.oneof(
  jsonFromSchema(ChatEventBodySchema as never, {
    platform: fc.oneof(
      { weight: 4, arbitrary: fc.constant('"api"') },
      { weight: 1, arbitrary: fc.constantFrom(...PLATFORMS).map(jsonString) },
    ),
    community_id: communityId.map(jsonString),
    text: eventText,
    callback_url: callbackUrl,
  }),
  jsonFromSchema(RouterBodySchema as never, {
    platform: fc.constant('"api"'),
    message_type: fc.constantFrom('chatMessage', 'chat', 'bits', ...CHAT_EVENT_TYPES).map(jsonString),
    message_content: eventText,
    entity_id: communityId.map(jsonString),
    callback_url: callbackUrl,
  }),
);

const communityConfigBody = jsonFromSchema(CommunityConfigBody as never, {
  base_url: fc.constantFrom(DEAD_UPSTREAM).map(jsonString),
  personality: fc.constantFrom('friendly', 'random', 'nope').map(jsonString),
});

/** Message text: plain, or with NUL, lone surrogates and bidi marks (to be normalized, not refused). */
const messageText = fc.oneof(fc.string({ maxLength: 40 }), hostileString(4)).map(jsonString);

/** A chat message that the API takes: a system, user or assistant turn with text. */
const validMessage = fc
  .tuple(fc.constantFrom('system', 'user', 'assistant'), messageText)
  .map(([role, content]) =>
    jsonObject([
      ['role', jsonString(role)],
      ['content', content],
    ]),
  );

/** A chat message of any role, with content of any kind, now and then with an unknown field. */
const anyMessage = fc
  .tuple(
    fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function'),
    fc.oneof(
      { weight: 4, arbitrary: messageText },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '[{"type":"text","text":"hi"}]',
          '[{"type":"image_url","image_url":{"url":"x"}}]',
          'null',
        ),
      },
      { weight: 1, arbitrary: hostileJson },
    ),
    fc.option(fc.tuple(hostileKey, hostileJson), { freq: 5 }),
  )
  .map(([role, content, extra]) =>
    jsonObject([['role', jsonString(role)], ['content', content], ...(extra ? [extra] : [])]),
  );

/** A tool whose parameters schema is small, or (`deep`) now and then thousands of levels deep. */
const tool = (deep: boolean) =>
  fc
    .oneof(
      { weight: 4, arbitrary: fc.constant('{"type":"object","properties":{"q":{"type":"string"}}}') },
      ...(deep
        ? [
            {
              weight: 1,
              arbitrary: fc.integer({ min: 10, max: 10_000 }).map((depth) => nested(depth, 'object')),
            },
            { weight: 1, arbitrary: hostileJson },
          ]
        : []),
    )
    .map((parameters) => `{"type":"function","function":{"name":"lookup","parameters":${parameters}}}`);

/** Optional fields of a chat completions request, with values the API takes. */
const VALID_CHAT_OPTIONS: Record<string, fc.Arbitrary<string>> = {
  stream: fc.boolean().map(String),
  temperature: fc.double({ min: 0, max: 2, noNaN: true }).map(String),
  top_p: fc.double({ min: 0, max: 1, noNaN: true }).map(String),
  max_tokens: fc.integer({ min: 1, max: 4096 }).map(String),
  stop: fc.oneof(fc.string({ minLength: 1, maxLength: 5 }).map(jsonString), fc.constant('["a","b"]')),
  seed: fc.integer().map(String),
  user: fc.string({ maxLength: 20 }).map(jsonString),
  tools: fc.array(tool(false), { minLength: 1, maxLength: 2 }).map((tools) => `[${tools.join(',')}]`),
  response_format: fc.constantFrom('{"type":"text"}', '{"type":"json_object"}'),
  n: fc.constant('1'),
  store: fc.constant('false'),
  metadata: fc.constant('{"a":"b"}'),
};

/** Optional fields of a chat completions request, with values in and out of range. */
const ANY_CHAT_OPTIONS: Record<string, fc.Arbitrary<string>> = {
  ...VALID_CHAT_OPTIONS,
  stream_options: fc.constantFrom('{"include_usage":true}', '{"include_usage":"yes"}'),
  temperature: fc.double({ min: -1, max: 3, noNaN: true }).map(String),
  max_tokens: fc.integer({ min: -5, max: 100_000 }).map(String),
  max_completion_tokens: fc.integer({ min: 0, max: 100_000 }).map(String),
  tools: fc.array(tool(true), { maxLength: 3 }).map((tools) => `[${tools.join(',')}]`),
  tool_choice: fc.constantFrom(
    '"auto"',
    '"none"',
    '"required"',
    '{"type":"function","function":{"name":"lookup"}}',
  ),
  response_format: fc.constantFrom(
    '{"type":"text"}',
    '{"type":"json_object"}',
    '{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}}',
  ),
  n: fc.integer({ min: 0, max: 3 }).map(String),
  logprobs: fc.boolean().map(String),
  parallel_tool_calls: fc.boolean().map(String),
  presence_penalty: fc.double({ min: -2, max: 2, noNaN: true }).map(String),
  frequency_penalty: fc.double({ min: -2, max: 2, noNaN: true }).map(String),
};

/** A chat completions request the API takes: a served model, valid messages and options. */
const validChatRequest = fc
  .tuple(
    fc.constantFrom('"llama3.2"', '"qwen3:0.6b"'),
    fc.array(validMessage, { minLength: 1, maxLength: 3 }),
    someOptions(VALID_CHAT_OPTIONS, false),
  )
  .map(([model, messages, options]) =>
    jsonObject([['model', model], ['messages', `[${messages.join(',')}]`], ...options]),
  );

/** A chat completions request with anything in it: unknown models, roles, options and fields. */
const anyChatRequest = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('"llama3.2"', '"qwen3:0.6b"', '"local"', '"gpt-4o"') },
      { weight: 1, arbitrary: hostileJson },
    ),
    fc
      .array(fc.oneof(validMessage, anyMessage), { maxLength: 4 })
      .map((messages) => `[${messages.join(',')}]`),
    someOptions(ANY_CHAT_OPTIONS, true),
    fc.option(fc.tuple(hostileKey, hostileJson), { freq: 10 }),
  )
  .map(([model, messages, options, extra]) =>
    jsonObject([['model', model], ['messages', messages], ...options, ...(extra ? [extra] : [])]),
  );

const chatRequest = fc.oneof(validChatRequest, anyChatRequest);

const interactionId = pathSegment(fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 20 })));
const sessionId = pathSegment(
  fc.oneof(
    fc
      .tuple(communityId, fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }))
      .map((parts) => parts.join('|')),
    fc.string({ maxLength: 20 }),
  ),
);
const communityPath = pathSegment(communityId).map((id) => `/api/v1/communities/${id}/config`);
/** A `POST /api/v1/communities/:id/test` body: a line (hostile now and then), sometimes a personality. */
const communityTestBody = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 60 }) },
      { weight: 1, arbitrary: hostileString() },
    ),
    fc.option(fc.constantFrom('friendly', 'general', 'random', 'nope', ''), { nil: undefined }),
  )
  .map(([text, personality]) =>
    jsonObject([
      ['text', jsonString(text)],
      ...(personality === undefined ? [] : [['personality', jsonString(personality)] as const]),
    ]),
  );
const pausePath = pathSegment(communityId).map((id) => `/api/v1/communities/${id}/pause`);
/** Channels the pause route names: the fuzz communities' own, and anything. */
const channelId = fc.oneof(
  fc.constantFrom('mychan', '#general', '-100'),
  fc.string({ minLength: 1, maxLength: 30 }),
);
const pauseBody = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.boolean().map(String) }, { weight: 1, arbitrary: hostileJson }),
    fc.option(channelId.map(jsonString), { freq: 2 }),
  )
  .map(([paused, channel]) =>
    jsonObject([
      ['paused', paused],
      ...(channel === null ? [] : ([['channel_id', channel]] as [string, string][])),
    ]),
  );
/** The interaction search's query (`InteractionQuery`): every filter, times real and not. */
const interactionQuery = queryString({
  platform: fc.constantFrom(...PLATFORMS),
  community_id: communityId,
  channel_id: channelId,
  user: fc.constantFrom('4242', 'viewer', 'Viewer', 'ann'),
  status: fc.constantFrom('queued', 'running', 'done', 'failed', 'ignored'),
  reason: fc.constantFrom('no_trigger', 'cooldown', 'paused', 'budget', 'role'),
  since: fc.oneof(
    fc
      .date({ min: new Date('2024-01-01'), max: new Date('2027-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString()),
    fc.string({ maxLength: 12 }),
  ),
  until: fc.constantFrom('2030-01-01T00:00:00Z', '2020-01-01', 'yesterday', ''),
  limit: fc.integer({ min: 1, max: 500 }).map(String),
});
/** A path under the console's static files: real ones, missing ones, and traversal attempts. */
const consoleFile = fc.oneof(
  fc.constantFrom(
    '',
    'index.html',
    'assets/',
    'assets/nope.js',
    '..%2Fpackage.json',
    '../package.json',
    '%00',
  ),
  pathSegment(fc.string({ minLength: 1, maxLength: 30 })),
);
const clientKeyPath = pathSegment(fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40 }))).map(
  (id) => `/api/v1/keys/${id}`,
);

/** A `POST /api/v1/keys` body: mostly valid, with limits out of range and times past or malformed now and then. */
const outOfRange = (valid: fc.Arbitrary<number>, invalid: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 4, arbitrary: valid.map(String) }, { weight: 1, arbitrary: invalid });
const clientKeyBody = fc
  .tuple(
    fc
      .oneof(
        { weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
        fc.string({ maxLength: 300 }),
      )
      .map(jsonString),
    someOptions(
      {
        community_id: communityId.map(jsonString),
        rpm: outOfRange(
          fc.integer({ min: 1, max: 1000 }),
          fc.constantFrom('-1', '0', '1.5', '1000001', 'null'),
        ),
        daily_tokens: outOfRange(
          fc.integer({ min: 1, max: 1_000_000 }),
          fc.constantFrom('-5', '0', '3000000000', 'null', '"100"'),
        ),
        expires_at: fc
          .oneof(
            {
              weight: 4,
              arbitrary: fc
                .integer({ min: 1, max: 10_000 })
                .map((days) => new Date(Date.now() + days * 86_400_000).toISOString()),
            },
            fc.constantFrom(
              '2001-01-01T00:00:00Z',
              '2099-02-30T00:00:00Z',
              '2099-01-01',
              'tomorrow',
              '2099-01-01T25:00:00Z',
            ),
          )
          .map(jsonString),
      },
      true,
    ),
    // An unknown field in one body of 8 (`fc.option`'s `freq` is the chance of *no* value).
    fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, fc.tuple(hostileKey, hostileJson)),
  )
  .map(([name, options, extra]) => jsonObject([['name', name], ...options, ...(extra ? [extra] : [])]));
const numberText = (min: number, max: number) => fc.integer({ min, max }).map(String);
/** A day for `GET /api/v1/usage`: real ones, impossible ones (`2026-02-30`), and not-a-day text. */
const usageDay = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .date({ min: new Date('2024-01-01'), max: new Date('2027-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
  },
  { weight: 1, arbitrary: fc.constantFrom('2026-02-30', '2026-13-01', '0000-00-00', '26-1-1') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const getOnly = (
  path: string,
  shape: ErrorShape,
  access: Access,
  query?: fc.Arbitrary<string>,
): RouteSpec => ({
  shape,
  access,
  path: fc.constant(path),
  query: query ?? queryString({}),
});

/** The request builder of each route, keyed `METHOD url` as the route table lists them. */
export const ROUTE_SPECS: Record<string, RouteSpec> = {
  'GET /health': getOnly('/health', 'ours', 'open'),
  'GET /health/ready': { ...getOnly('/health/ready', 'ours', 'open'), sql: true },
  'GET /metrics': getOnly('/metrics', 'ours', 'open'),
  // The API description and its reference (@fastify/swagger-ui and its assets).
  'GET /openapi.json': getOnly('/openapi.json', 'ours', 'open'),
  'GET /docs': getOnly('/docs', 'ours', 'open'),
  'GET /docs/': getOnly('/docs/', 'ours', 'open'),
  'GET /docs/json': getOnly('/docs/json', 'ours', 'open'),
  'GET /docs/yaml': getOnly('/docs/yaml', 'ours', 'open'),
  'GET /docs/static/index.html': getOnly('/docs/static/index.html', 'ours', 'open'),
  'GET /docs/static/swagger-initializer.js': getOnly('/docs/static/swagger-initializer.js', 'ours', 'open'),
  'GET /docs/*': {
    shape: 'ours',
    access: 'open',
    // Its assets, files that are not there, and paths that try to climb out of its folder.
    path: fc
      .oneof(
        fc.constantFrom(
          'static/swagger-ui-bundle.js',
          'static/index.css',
          'static/nope.js',
          '../package.json',
        ),
        fc.constantFrom('%2e%2e/%2e%2e/package.json', 'static/..%2f..%2fpackage.json', '..%5cpackage.json'),
        pathSegment(fc.string({ minLength: 1, maxLength: 20 })),
      )
      .map((rest) => `/docs/${rest}`),
    query: queryString({}),
  },
  'POST /api/v1/ai/interaction': {
    sql: true,
    shape: 'ours',
    access: 'caller',
    path: fc.constant('/api/v1/ai/interaction'),
    body: body(interactionBody),
  },
  'GET /api/v1/ai/interaction/:id': {
    sql: true,
    shape: 'ours',
    access: 'caller',
    path: interactionId.map((id) => `/api/v1/ai/interaction/${id}`),
    query: queryString({ include: fc.constantFrom('event') }),
  },
  'GET /api/v1/ai/interactions': {
    ...getOnly('/api/v1/ai/interactions', 'ours', 'admin', interactionQuery),
    sql: true,
  },
  // The console's API takes any caller key but answers integration keys 403: fuzzed as the admin.
  'GET /api/v1/console/snapshot': { ...getOnly('/api/v1/console/snapshot', 'ours', 'admin'), sql: true },
  'GET /api/v1/console/interactions': {
    ...getOnly('/api/v1/console/interactions', 'ours', 'admin', interactionQuery),
    sql: true,
  },
  'GET /api/v1/console/events': { ...getOnly('/api/v1/console/events', 'ours', 'admin'), stream: true },
  'GET /api/v1/communities/:communityId/pause': {
    shape: 'ours',
    access: 'admin',
    path: pausePath,
    query: queryString({ channel_id: channelId }),
  },
  'PUT /api/v1/communities/:communityId/pause': {
    shape: 'ours',
    access: 'admin',
    path: pausePath,
    body: body(pauseBody),
  },
  'GET /console': getOnly('/console', 'ours', 'open'),
  // The route table shows fastify-static's `/console/*` as `/console*`.
  'GET /console*': { shape: 'ours', access: 'open', path: consoleFile.map((file) => `/console/${file}`) },
  'GET /api/v1/usage': {
    ...getOnly(
      '/api/v1/usage',
      'ours',
      'admin',
      queryString({
        community_id: communityId,
        user_id: fc.string({ minLength: 1, maxLength: 20 }),
        key_id: fc.string({ minLength: 1, maxLength: 20 }),
        from: usageDay,
        to: usageDay,
        group_by: fc.constantFrom('day', 'user', 'model', 'key', 'hour'),
      }),
    ),
    sql: true,
  },
  'GET /api/v1/ai/status': getOnly('/api/v1/ai/status', 'ours', 'caller'),
  'POST /api/v1/ai/admin/mode': {
    shape: 'ours',
    access: 'admin',
    path: fc.constant('/api/v1/ai/admin/mode'),
    body: body(
      fc
        .oneof(
          { weight: 4, arbitrary: fc.constantFrom(...CHAT_MODES).map(jsonString) },
          { weight: 1, arbitrary: hostileJson },
        )
        .map((mode) => jsonObject([['mode', mode]])),
    ),
  },
  'POST /api/v1/ai/admin/breakers/:provider/reset': {
    shape: 'ours',
    access: 'admin',
    path: pathSegment(fc.constantFrom(...PROVIDER_KINDS)).map(
      (provider) => `/api/v1/ai/admin/breakers/${provider}/reset`,
    ),
    body: fc.option(body(fc.constant('{}')), { freq: 2 }).map((text) => text ?? ''),
  },
  'GET /api/v1/ai/models': { ...getOnly('/api/v1/ai/models', 'openai', 'caller'), sql: true },
  'POST /api/v1/ai/chat/completions': {
    sql: true,
    shape: 'openai',
    access: 'caller',
    path: fc.constant('/api/v1/ai/chat/completions'),
    body: body(chatRequest),
  },
  'POST /api/v1/ai/embeddings': {
    sql: true,
    shape: 'openai',
    access: 'caller',
    path: fc.constant('/api/v1/ai/embeddings'),
    body: body(embeddingsRequest),
  },
  'POST /api/v1/ai/responses': {
    sql: true,
    shape: 'openai',
    access: 'caller',
    path: fc.constant('/api/v1/ai/responses'),
    body: body(responsesRequest),
  },
  'POST /api/v1/keys': {
    sql: true,
    shape: 'ours',
    access: 'admin',
    path: fc.constant('/api/v1/keys'),
    body: body(clientKeyBody),
  },
  'GET /api/v1/keys': {
    ...getOnly(
      '/api/v1/keys',
      'ours',
      'admin',
      queryString({ limit: numberText(1, 500), offset: numberText(0, 2_147_483_647) }),
    ),
    sql: true,
  },
  'GET /api/v1/keys/:id': { sql: true, shape: 'ours', access: 'admin', path: clientKeyPath },
  'DELETE /api/v1/keys/:id': { sql: true, shape: 'ours', access: 'admin', path: clientKeyPath },
  'GET /api/v1/communities': {
    ...getOnly(
      '/api/v1/communities',
      'ours',
      'admin',
      queryString({ limit: numberText(1, 200), offset: numberText(0, 2_147_483_647) }),
    ),
    sql: true,
  },
  'GET /api/v1/communities/:communityId/config': {
    sql: true,
    shape: 'ours',
    access: 'admin',
    path: communityPath,
  },
  'PUT /api/v1/communities/:communityId/config': {
    sql: true,
    shape: 'ours',
    access: 'admin',
    path: communityPath,
    body: body(communityConfigBody),
  },
  'PATCH /api/v1/communities/:communityId/config': {
    sql: true,
    shape: 'ours',
    access: 'admin',
    path: communityPath,
    body: body(communityConfigBody),
  },
  'DELETE /api/v1/communities/:communityId/config': {
    sql: true,
    shape: 'ours',
    access: 'admin',
    path: communityPath,
  },
  'POST /api/v1/communities/:communityId/test': {
    sql: true,
    shape: 'ours',
    access: 'admin',
    path: pathSegment(communityId).map((id) => `/api/v1/communities/${id}/test`),
    body: body(communityTestBody),
  },
  // Without an upgrade: a 426 in our shape (the socket's frames are tested in test/adapters/web).
  'GET /api/v1/ws/chat': getOnly('/api/v1/ws/chat', 'ours', 'open'),
  'GET /api/v1/sessions/:sessionId': {
    shape: 'ours',
    access: 'admin',
    path: sessionId.map((id) => `/api/v1/sessions/${id}`),
  },
  'DELETE /api/v1/sessions/:sessionId': {
    shape: 'ours',
    access: 'admin',
    path: sessionId.map((id) => `/api/v1/sessions/${id}`),
  },
  'POST /api/v1/platforms/twitch/channels/:login': {
    shape: 'ours',
    access: 'admin',
    path: pathSegment(fc.stringMatching(/^[A-Za-z0-9_]{1,25}$/)).map(
      (login) => `/api/v1/platforms/twitch/channels/${login}`,
    ),
  },
  'DELETE /api/v1/platforms/twitch/channels/:login': {
    shape: 'ours',
    access: 'admin',
    path: pathSegment(fc.stringMatching(/^[A-Za-z0-9_]{1,25}$/)).map(
      (login) => `/api/v1/platforms/twitch/channels/${login}`,
    ),
  },
  // Broadcaster grants: the fuzz target runs no Twitch adapter (404 not_configured), but the
  // schemas (login, query, body) answer first with a 400 naming the field.
  'GET /api/v1/platforms/twitch/grants': getOnly('/api/v1/platforms/twitch/grants', 'ours', 'admin'),
  'GET /api/v1/platforms/twitch/grants/:login/authorize': {
    shape: 'ours',
    access: 'admin',
    path: pathSegment(fc.stringMatching(/^[A-Za-z0-9_]{1,25}$/)).map(
      (login) => `/api/v1/platforms/twitch/grants/${login}/authorize`,
    ),
  },
  'PUT /api/v1/platforms/twitch/grants/:login': {
    shape: 'ours',
    access: 'admin',
    path: pathSegment(fc.stringMatching(/^[A-Za-z0-9_]{1,25}$/)).map(
      (login) => `/api/v1/platforms/twitch/grants/${login}`,
    ),
    body: body(
      fc
        .oneof(fc.string({ maxLength: 40 }), hostileString(4))
        .map((token) => JSON.stringify({ refresh_token: token })),
    ),
  },
  'DELETE /api/v1/platforms/twitch/grants/:login': {
    shape: 'ours',
    access: 'admin',
    path: pathSegment(fc.stringMatching(/^[A-Za-z0-9_]{1,25}$/)).map(
      (login) => `/api/v1/platforms/twitch/grants/${login}`,
    ),
  },
  // Twitch's redirect after a broadcaster's consent: open, guarded by the signed state.
  'GET /api/v1/platforms/twitch/oauth/callback': getOnly(
    '/api/v1/platforms/twitch/oauth/callback',
    'ours',
    'open',
    queryString({
      code: fc.oneof(fc.string({ maxLength: 30 }), hostileString(4)),
      state: fc.oneof(fc.string({ maxLength: 60 }), hostileString(4)),
      scope: fc.constantFrom('bits:read', 'channel:read:redemptions bits:read', ''),
      error: fc.constantFrom('access_denied', ''),
    }),
  ),
  'GET /v1/models': { ...getOnly('/v1/models', 'openai', 'caller'), sql: true },
  'POST /v1/chat/completions': {
    sql: true,
    shape: 'openai',
    access: 'caller',
    path: fc.constant('/v1/chat/completions'),
    body: body(chatRequest),
  },
  'POST /v1/embeddings': {
    sql: true,
    shape: 'openai',
    access: 'caller',
    path: fc.constant('/v1/embeddings'),
    body: body(embeddingsRequest),
  },
  'POST /v1/responses': {
    sql: true,
    shape: 'openai',
    access: 'caller',
    path: fc.constant('/v1/responses'),
    body: body(responsesRequest),
  },
  // Twitch's EventSub webhook: unconfigured in the fuzz target (404 not_configured), and every
  // delivery there would need Twitch's signature headers (403 before the body is read).
  'POST /webhooks/twitch/eventsub': {
    shape: 'ours',
    access: 'open',
    path: fc.constant('/webhooks/twitch/eventsub'),
    body: body(
      fc.oneof(fc.string({ maxLength: 30 }), hostileString(4)).map((challenge) =>
        JSON.stringify({
          challenge,
          subscription: { id: 'fuzz', type: 'channel.chat.message', version: '1', status: 'enabled' },
        }),
      ),
    ),
  },
  'POST /telegram/webhook': {
    sql: true,
    shape: 'ours',
    access: 'telegram',
    path: fc.constant('/telegram/webhook'),
    body: body(
      fc
        .tuple(
          fc.nat(),
          fc.oneof(fc.string({ maxLength: 30 }), hostileString(4)),
          fc.constantFrom('private', 'group', 'supergroup'),
        )
        .map(([updateId, text, chatType]) =>
          JSON.stringify({
            update_id: updateId,
            message: {
              message_id: updateId,
              from: { id: 42, is_bot: false, first_name: 'Ann', username: 'ann' },
              chat: { id: chatType === 'private' ? 42 : -100, type: chatType, title: 'fuzz' },
              date: 1_700_000_000,
              text,
            },
          }),
        ),
    ),
  },
};
