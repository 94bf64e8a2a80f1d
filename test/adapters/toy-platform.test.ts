/**
 * adapters/README.md's "how to add a platform", followed with a toy platform that lives only in
 * this test: a descriptor (config section, env variables, limits, an adapter, an open route and an
 * admin route) added to the registry's list. Nothing outside the descriptor is edited: config
 * loading, the adapter's start, delivery, status, metrics and the routes all come from the list.
 */
import Type from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { PLATFORM_REGISTRY } from '../../adapters/registry.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type {
  AdapterHost,
  AdapterState,
  IngestAck,
  OutgoingReply,
  PlatformAdapter,
} from '../../src/core/adapter.js';
import { definePlatform } from '../../src/core/platform.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { waitFor } from '../support/wait-for.js';

const ToyConfigSchema = Type.Object({
  token: Type.Optional(Type.String({ minLength: 1, env: 'TOY_TOKEN', secret: true })),
  maxParts: Type.Integer({ minimum: 1, maximum: 3, env: 'TOY_MAX_PARTS' }),
});
type ToyConfig = Type.Static<typeof ToyConfigSchema>;

/** An in-memory chat: `receive` is a viewer writing, `sent` what the bot answered. */
class ToyAdapter implements PlatformAdapter {
  readonly platform = 'web' as const;
  readonly sent: OutgoingReply[] = [];
  private host: AdapterHost | undefined;
  private sequence = 0;

  constructor(readonly config: ToyConfig) {}

  state(): AdapterState {
    return { platform: 'web', status: this.host ? 'online' : 'offline' };
  }

  async start(host: AdapterHost): Promise<void> {
    this.host = host;
    host.addBotName('toybot');
  }

  async send(reply: OutgoingReply): Promise<void> {
    this.sent.push(reply);
  }

  async stop(): Promise<void> {
    this.host = undefined;
  }

  receive(message: string): Promise<IngestAck> {
    if (!this.host) throw new Error('not started');
    const id = String(++this.sequence);
    return this.host.ingest({
      id: `web:${id}`,
      platform: 'web',
      type: 'message',
      communityId: 'web:room:1',
      channelId: 'room-1',
      messageId: id,
      text: message,
      user: { id: 'v1', login: 'viewer', displayName: 'Viewer', isBot: false, roles: [] },
      isDirect: false,
      mentionsBot: /\btoybot\b/i.test(message),
      meta: {},
      receivedAt: Date.now(),
    });
  }
}

const toyPlatform = definePlatform({
  platform: 'web',
  config: { schema: ToyConfigSchema, defaults: { maxParts: 1 } },
  limits: { messageMaxChars: 100, replyMaxChars: 150 },
  async create(config): Promise<ToyAdapter | undefined> {
    return config.token ? new ToyAdapter(config) : undefined;
  },
  routes: (adapter) => [
    {
      method: 'POST',
      url: '/toy/inbox',
      access: 'open',
      async handle(request) {
        if (!adapter) return { status: 404, error: { code: 'not_configured', detail: 'no toy chat' } };
        if (request.headers['x-toy-secret'] !== adapter.config.token) {
          return { status: 403, error: { code: 'forbidden', detail: 'wrong X-Toy-Secret' } };
        }
        const ack = await adapter.receive(String((request.body as { text?: unknown })?.text ?? ''));
        return { status: 202, body: { interaction_id: ack.interactionId, status: ack.status } };
      },
    },
    {
      method: 'GET',
      url: '/api/v1/platforms/toy/sent',
      access: 'admin',
      async handle() {
        return { status: 200, body: { sent: adapter?.sent.map((reply) => reply.text) ?? [] } };
      },
    },
  ],
});

// The toy takes the `web` name, so the registry's own web chat steps aside for it.
const platforms = [...PLATFORM_REGISTRY.filter((descriptor) => descriptor.platform !== 'web'), toyPlatform];
const ADMIN_KEY = 'toy-admin-key-1';

function toyConfig(env: Record<string, string>): Config {
  return loadConfig({
    env,
    platforms,
    // The local responder answers: the test is about the platform, not the model.
    overrides: { log: { level: 'silent' }, ai: { mode: 'local' }, auth: { adminKey: ADMIN_KEY } },
  });
}

describe('a platform added as a descriptor (adapters/README.md)', () => {
  let pipeline: Pipeline | undefined;
  afterEach(async () => {
    await pipeline?.close();
    pipeline = undefined;
  });

  it('gets its config section, defaults, env variables and limits from the descriptor', () => {
    const config = toyConfig({ TOY_TOKEN: 'toy-secret' }) as Config & {
      platforms: { web: ToyConfig };
    };
    expect(config.platforms.web).toEqual({ token: 'toy-secret', maxParts: 1 });
    expect(config.limits.messageMaxChars.web).toBe(100);
    expect(config.limits.replyMaxChars.web).toBe(150);
    // The registry's platforms are still there.
    expect(config.limits.messageMaxChars.twitch).toBe(500);

    let error: unknown;
    try {
      toyConfig({ TOY_MAX_PARTS: '9' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('platforms.web.maxParts');
    expect((error as Error).message).toContain('TOY_MAX_PARTS');
  });

  it('starts, takes events through its route, answers through its adapter, and shows in status and metrics', async () => {
    pipeline = await startPipeline(toyConfig({ TOY_TOKEN: 'toy-secret' }), undefined, { platforms });
    const { app } = pipeline;
    const adapter = pipeline.platforms.adapters.find((each) => each.platform === 'web') as ToyAdapter;
    expect(adapter.state().status).toBe('online');

    const inbox = (secret: string, message: string) =>
      app.inject({
        method: 'POST',
        url: '/toy/inbox',
        headers: { 'x-toy-secret': secret },
        payload: { text: message },
      });
    const refused = await inbox('nope', 'hi toybot');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error_code: 'forbidden', detail: 'wrong X-Toy-Secret' });

    const accepted = await inbox('toy-secret', 'hi toybot, how are you?');
    expect(accepted.statusCode).toBe(202);
    expect(accepted.json().status).toBe('queued');
    const [reply] = await waitFor(() => (adapter.sent.length > 0 ? adapter.sent : undefined));
    expect(reply?.event.communityId).toBe('web:room:1');
    expect(reply?.text.length).toBeGreaterThan(0);
    expect(reply?.text.length).toBeLessThanOrEqual(150);

    const admin = { authorization: `Bearer ${ADMIN_KEY}` };
    expect((await app.inject({ method: 'GET', url: '/api/v1/platforms/toy/sent' })).statusCode).toBe(401);
    const sent = await app.inject({ method: 'GET', url: '/api/v1/platforms/toy/sent', headers: admin });
    expect(sent.json()).toEqual({ sent: [reply?.text] });

    const logged = await app.inject({
      method: 'GET',
      url: '/api/v1/ai/interactions?platform=web',
      headers: admin,
    });
    expect(logged.json().interactions).toHaveLength(1);
    const status = (await app.inject({ method: 'GET', url: '/api/v1/ai/status', headers: admin })).json();
    expect(status.platforms).toContainEqual(expect.objectContaining({ platform: 'web', status: 'online' }));
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('chatgate_platform_status{platform="web"} 2');
  });

  it('does not start without its credentials; its routes answer 404 in the error shape', async () => {
    pipeline = await startPipeline(toyConfig({}), undefined, { platforms });
    expect(pipeline.platforms.adapters.map((adapter) => adapter.platform)).not.toContain('web');
    const inbox = await pipeline.app.inject({ method: 'POST', url: '/toy/inbox', payload: { text: 'hi' } });
    expect(inbox.statusCode).toBe(404);
    expect(inbox.json()).toMatchObject({ error_code: 'not_configured' });
  });
});
