/**
 * Runs the property of one route: requests from its spec (route-specs.ts) with generated headers,
 * each answered within REQUEST_DEADLINE_MS and within the invariant (invariants.ts); a 202 from
 * `POST /api/v1/ai/interaction` must be readable afterwards. Runs per route: `FUZZ_RUNS` (300 by
 * default); seed: `FUZZ_SEED` (random by default, printed on failure).
 */
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Response as InjectResponse } from 'light-my-request';
import { waitFor } from '../../support/wait-for.js';
import { FUZZ_KEYS } from './fuzz-target.js';
import { hostileString, percentEncode } from './hostile.js';
import { invariantFault } from './invariants.js';
import { knownFaultOf } from './known-faults.js';
import { type Access, FUZZ_COMMUNITIES, type RouteSpec } from './route-specs.js';

/** Runs per route: `FUZZ_RUNS`, else 300 (what `npm test` runs; `npm run fuzz` runs 10,000). */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** The seed of this run: `FUZZ_SEED` to replay one, else a fresh one. */
export const FUZZ_SEED = process.env.FUZZ_SEED
  ? Number(process.env.FUZZ_SEED)
  : Math.floor(Math.random() * 2 ** 31);

/** How long one request may take before it counts as a hang, ms. */
const REQUEST_DEADLINE_MS = 5_000;

/** How long an accepted interaction may take to become readable, ms. */
const READABLE_WITHIN_MS = 3_000;

/** Printable ASCII (what a header value can carry on the wire). */
const headerText = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);

/** The right credential mostly, else none, a wrong one, or junk. */
function credential(right: string): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 24, arbitrary: fc.constant(right) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(`${right}x`, right.slice(1), FUZZ_KEYS.caller, FUZZ_KEYS.admin) },
    { weight: 1, arbitrary: headerText },
  );
}

const CREDENTIAL_HEADERS: Record<Access, (token: string) => Record<string, string>> = {
  caller: (token) => ({ authorization: `Bearer ${token}` }),
  admin: (token) => ({ authorization: `Bearer ${token}` }),
  telegram: (token) => ({ 'x-telegram-bot-api-secret-token': token }),
  open: () => ({}),
};

const RIGHT_CREDENTIAL: Record<Access, string> = {
  caller: FUZZ_KEYS.caller,
  admin: FUZZ_KEYS.admin,
  telegram: FUZZ_KEYS.telegram,
  open: '',
};

/** Headers: credentials, content type (JSON mostly), and now and then request ids and a community. */
function headers(access: Access, hasBody: boolean): fc.Arbitrary<Record<string, string>> {
  const contentType = fc.oneof(
    { weight: 12, arbitrary: fc.constant('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-8',
        'application/json; charset=utf-16',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        '',
      ),
    },
    { weight: 1, arbitrary: headerText },
  );
  return fc
    .record(
      {
        credential: credential(RIGHT_CREDENTIAL[access]),
        'content-type': contentType,
        'x-request-id': headerText,
        'x-community-id': fc.oneof(fc.constantFrom(...FUZZ_COMMUNITIES), headerText),
        accept: fc.constantFrom('application/json', 'text/event-stream', '*/*'),
      },
      { requiredKeys: ['credential', 'content-type'] },
    )
    .map(({ credential: token, 'content-type': type, ...rest }) => ({
      ...rest,
      ...(token === undefined || access === 'open' ? {} : CREDENTIAL_HEADERS[access](token)),
      ...(hasBody ? { 'content-type': type } : {}),
    }));
}

/** One request for `method` on `spec`. */
export function requestFor(method: string, spec: RouteSpec): fc.Arbitrary<InjectOptions> {
  return fc
    .record({
      path: spec.path,
      query: spec.query ?? fc.constant(''),
      body: spec.body ?? fc.constant(undefined),
      headers: headers(spec.access, spec.body !== undefined),
      // A query on a route that documents none, as callers send them anyway.
      junkQuery: fc.option(
        hostileString(2).map((text) => `?x=${percentEncode(text)}`),
        { freq: 10 },
      ),
    })
    .map(({ path, query, body, headers, junkQuery }) => ({
      method: method as InjectOptions['method'],
      url: `${path}${query || (junkQuery ?? '')}`,
      headers,
      ...(body !== undefined && body !== '' ? { payload: body } : {}),
    }));
}

/** `promise`, or a rejection naming `what` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms (a hang): ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `request` to a route that answers with a live stream (`RouteSpec.stream`): a 200 event stream
 * never ends, so its head is the answer and the connection is then closed (as a browser tab that
 * goes away; the route must clean up). Any other answer is read whole, as `app.inject` would.
 */
async function injectStreaming(app: FastifyInstance, request: InjectOptions): Promise<InjectResponse> {
  const response = await app.inject({ ...request, payloadAsStream: true });
  const type = String(response.headers['content-type'] ?? '');
  if (response.statusCode === 200 && type.startsWith('text/event-stream')) {
    (response.raw.res as unknown as { destroy(): void }).destroy();
    return Object.assign(response, { body: '', payload: '' });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of response.stream()) chunks.push(Buffer.from(chunk as Uint8Array));
  const payload = Buffer.concat(chunks).toString();
  return Object.assign(response, { body: payload, payload, json: () => JSON.parse(payload) });
}

/** Fails unless interaction `id` (just accepted) can be read back. */
async function expectReadable(app: FastifyInstance, id: string): Promise<void> {
  await waitFor(
    async () => {
      const response = await app.inject({
        method: 'GET',
        url: `/api/v1/ai/interaction/${encodeURIComponent(id)}`,
        headers: { authorization: `Bearer ${FUZZ_KEYS.caller}` },
      });
      return response.statusCode === 200 && response.json().interaction_id === id;
    },
    READABLE_WITHIN_MS,
    `the accepted interaction ${JSON.stringify(id)} to be readable`,
  );
}

/** What one route's property run saw. */
export interface RouteTally {
  route: string;
  runs: number;
  /** 5xx answers that break the invariant (a documented 503 does not). */
  serverErrors: number;
  /** Answers excused as a known fault (known-faults.ts). */
  knownFaults: number;
  /** How many answers had each status: how deep the requests got (all 400s would test little). */
  statuses: Record<number, number>;
}

/** A short, printable account of a request (bodies cut at 300 characters). */
function describeRequest(request: InjectOptions): string {
  const payload = request.payload;
  const body = Buffer.isBuffer(payload)
    ? `<${payload.length} bytes>`
    : typeof payload === 'string'
      ? payload
      : '';
  return JSON.stringify({
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: body.length > 300 ? `${body.slice(0, 300)}… (${body.length} chars)` : body,
  });
}

/**
 * The seed of one route on one backend in a run seeded `seed`: a stream of its own, whatever the
 * order routes run in, and other requests on each backend.
 */
function streamSeed(seed: number, stream: string): number {
  let hash = seed | 0;
  for (const char of stream) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

/**
 * Runs `runs` requests against `route` (`METHOD url`) and checks each answer. Throws fast-check's
 * report (with the counterexample, shrunk) plus `FUZZ_SEED=<seed>` to replay it.
 */
export async function fuzzRoute(
  app: FastifyInstance,
  route: string,
  spec: RouteSpec,
  options: { runs: number; seed: number; backend: string },
): Promise<RouteTally> {
  const method = route.split(' ')[0] ?? 'GET';
  const tally: RouteTally = { route, runs: 0, serverErrors: 0, knownFaults: 0, statuses: {} };
  const property = fc.asyncProperty(requestFor(method, spec), async (request) => {
    tally.runs++;
    const what = describeRequest(request);
    const response = await within(
      spec.stream ? injectStreaming(app, request) : app.inject(request),
      REQUEST_DEADLINE_MS,
      what,
    );
    tally.statuses[response.statusCode] = (tally.statuses[response.statusCode] ?? 0) + 1;
    const fault = invariantFault(response, spec.shape, method, route.split(' ')[1]);
    // A documented 503 (invariants.ts) shows among the statuses, not as a server error.
    if (response.statusCode >= 500 && fault) tally.serverErrors++;
    if (fault && knownFaultOf(route, response)) tally.knownFaults++;
    else if (fault) throw new Error(`${route} ${fault}\n  request: ${what}`);
    if (route === 'POST /api/v1/ai/interaction' && response.statusCode === 202) {
      await expectReadable(app, response.json().interaction_id);
    }
  });
  try {
    await fc.assert(property, {
      numRuns: options.runs,
      seed: streamSeed(options.seed, `${options.backend} ${route}`),
    });
  } catch (error) {
    throw new Error(`${route}: replay with FUZZ_SEED=${options.seed}\n${(error as Error).message}`, {
      cause: error,
    });
  }
  return tally;
}
