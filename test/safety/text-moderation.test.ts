import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Services } from '../../src/services.js';
import { type FakeModeration, startFakeModeration } from '../fakes/fake-moderation.js';
import { type FakeServer, startFakeOpenAI } from '../fakes/fake-openai.js';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver.js';
import { interactionBody } from '../support/events.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig, testServices } from '../support/services.js';
import { storeBackends } from '../support/store-backends.js';
import { waitFor } from '../support/wait-for.js';

const ADMIN = 'admin-key-textmod-001';
const COLLECTOR = 'collector-key-textmod1';
const MODERATION_KEY = 'sk-moderation-key-77';
const as = (key: string) => ({ authorization: `Bearer ${key}` });
const MODERATION_TIMEOUT_MS = 2000;

/** An interaction as `GET /api/v1/ai/interaction/:id` shows it. */
interface InteractionJson {
  status: string;
  reason: string | null;
  reply: { text: string; blocked: string | null; provider: string } | null;
}

/**
 * The `moderation` rules of issue 14 through the interaction endpoint, on every store backend:
 * blocked terms in a message (ignored `blocked_term`, no provider called) and in a reply, links in
 * a Twitch reply, PII masked before the provider and always in the interaction log, and an
 * OpenAI-compatible moderation endpoint flagging, failing open and failing closed. The provider is
 * a fake OpenAI-compatible server in `remote` mode (no local fallback), callbacks go to a receiver.
 */
for (const backend of storeBackends('safety_text_moderation')) {
  describeNeeding(backend.needs, `text moderation (${backend.name})`, () => {
    let services: Services;
    let app: FastifyInstance;
    let closeStores: () => Promise<void>;
    let upstream: FakeServer;
    let moderation: FakeModeration;
    let callbacks: CallbackReceiver;
    let community = 0;

    beforeAll(async () => {
      upstream = await startFakeOpenAI();
      moderation = await startFakeModeration({ flagWords: ['hate'], apiKey: MODERATION_KEY });
      callbacks = await startCallbackReceiver();
      const config = testConfig({
        auth: { apiKeys: [COLLECTOR], adminKey: ADMIN },
        ai: {
          mode: 'remote',
          offlineResponses: false,
          provider: 'openai',
          model: 'llama3.2',
          openai: { baseUrl: `${upstream.url}/v1` },
        },
        // Room for a loaded CI machine: a late answer would be read as a failure (and let through).
        safety: {
          moderation: { moderationTimeoutMs: MODERATION_TIMEOUT_MS, moderationApiKey: MODERATION_KEY },
        },
      });
      const built = await backend.open(config);
      closeStores = built.close;
      services = await testServices(config, { stores: built.stores });
      app = await buildApp(services);
      // Opening PGlite and migrating takes seconds on a loaded machine.
    }, 60_000);
    afterAll(async () => {
      await app?.close();
      await services?.close();
      await closeStores?.();
      await Promise.all([upstream?.close(), moderation?.close(), callbacks?.close()]);
    });
    beforeEach(() => {
      upstream.reset();
      moderation.reset();
    });
    afterEach(() => {
      callbacks.received.length = 0;
    });

    /**
     * A fresh community on `platform` with `moderationConfig` as its `moderation` section, its
     * context shared by the channel and no mention cooldowns (several turns per test); its id.
     */
    async function communityWith(moderationConfig: object, platform = 'twitch'): Promise<string> {
      const id = `${platform === 'twitch' ? 'twitch:channel' : 'api'}:textmod${++community}`;
      const put = await app.inject({
        method: 'PUT',
        url: `/api/v1/communities/${id}/config`,
        headers: as(ADMIN),
        payload: {
          moderation: moderationConfig,
          context_scope: 'channel',
          triggers: { mention: { user_cooldown_ms: 0, channel_cooldown_ms: 0 } },
        },
      });
      expect(put.statusCode, put.body).toBe(200);
      return id;
    }

    /** Posts a mention in `communityId` with a callback; the ack. */
    async function mention(communityId: string, text: string, userId = 'u-textmod') {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/ai/interaction',
        headers: as(COLLECTOR),
        payload: interactionBody({
          platform: communityId.startsWith('twitch:') ? 'twitch' : 'api',
          community_id: communityId,
          text: `@chatgate ${text}`,
          mentions_bot: true,
          user: { id: userId, login: 'viewer' },
          callback_url: callbacks.url,
        }),
      });
      expect(response.statusCode, response.body).toBeLessThan(300);
      return response.json() as { status: string; reason?: string; interaction_id: string };
    }

    /** The interaction once it is settled (done, ignored or failed). */
    function settled(id: string): Promise<InteractionJson> {
      return waitFor(
        async () => {
          const response = await app.inject({
            method: 'GET',
            url: `/api/v1/ai/interaction/${id}`,
            headers: as(COLLECTOR),
          });
          const body = response.json() as InteractionJson;
          return ['done', 'ignored', 'failed'].includes(body.status) ? body : undefined;
        },
        5000 + MODERATION_TIMEOUT_MS * 2,
      );
    }

    /** The callback of interaction `id`, once it arrived. */
    function callbackOf(id: string) {
      return waitFor(() => callbacks.received.find((c) => c.body.interaction_id === id)?.body);
    }

    /** The user messages the fake upstream was asked to answer. */
    function upstreamUserTexts(): string[] {
      return upstream.calls
        .filter((call) => call.path === '/v1/chat/completions')
        .flatMap((call) => (call.body as { messages: { role: string; content: string }[] }).messages)
        .filter((message) => message.role === 'user')
        .map((message) => message.content);
    }

    it('ignores a message holding a blocked term (in any disguise) without calling the provider', async () => {
      const id = await communityWith({ blocked_terms: ['hate', 'bad word'] });
      for (const text of ['I H4TE this', 'ｈａｔｅ', 'such a bad   word', 'I hаte it (Cyrillic а)']) {
        const ack = await mention(id, text);
        expect(ack, text).toMatchObject({ status: 'ignored', reason: 'blocked_term' });
        expect((await settled(ack.interaction_id)).reason).toBe('blocked_term');
      }
      // Word boundaries: "whatever" and "hatred" are not "hate".
      const fine = await mention(id, 'whatever, no hatred here');
      expect(fine.status).toBe('queued');
      expect((await settled(fine.interaction_id)).status).toBe('done');
      expect(upstreamUserTexts()).toHaveLength(1);
      expect(upstreamUserTexts()[0]).toContain('whatever, no hatred here');
    });

    it('replaces a Twitch reply holding a link with blocked_reply, and keeps it out of the context', async () => {
      const id = await communityWith({ blocked_reply: 'Let us keep chat link-free.' });
      upstream.behave({ reply: 'Grab it at example.com/free-stuff now' });
      const ack = await mention(id, 'where can I get it?');
      const done = await settled(ack.interaction_id);
      expect(done).toMatchObject({
        status: 'done',
        reply: { text: 'Let us keep chat link-free.', blocked: 'link', provider: 'openai' },
      });
      expect(await callbackOf(ack.interaction_id)).toMatchObject({
        success: true,
        blocked: 'link',
        response_data: { message: 'Let us keep chat link-free.' },
      });
      // Counted for the operator's dashboards.
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/^chatgate_replies_blocked_total\{reason="link"\} [1-9]/m);
      // The next turn of the same conversation does not carry the blocked answer.
      upstream.behave({ reply: 'Sure thing.' });
      const next = await mention(id, 'ok then?');
      expect((await settled(next.interaction_id)).reply).toMatchObject({
        text: 'Sure thing.',
        blocked: null,
      });
      const prompt = JSON.stringify(upstream.calls.at(-1)?.body);
      expect(prompt).not.toContain('example.com');
      expect(prompt).not.toContain('where can I get it?');
    });

    it('lets links through where they are allowed: off Twitch by default, and with allow_links', async () => {
      upstream.behave({ reply: 'Docs at https://example.com/docs' });
      for (const id of [await communityWith({}, 'api'), await communityWith({ allow_links: true })]) {
        const ack = await mention(id, 'docs?');
        expect((await settled(ack.interaction_id)).reply, id).toMatchObject({
          text: 'Docs at https://example.com/docs',
          blocked: null,
        });
      }
      // And allow_links: false stops them on any platform.
      const strict = await communityWith({ allow_links: false }, 'api');
      const ack = await mention(strict, 'docs?');
      expect((await settled(ack.interaction_id)).reply).toMatchObject({ blocked: 'link' });
    });

    it('sends nothing for a reply holding a blocked term when no blocked_reply is set; the callback tells', async () => {
      const id = await communityWith({ blocked_terms: ['spoiler'] });
      upstream.behave({ reply: 'Big SP01LER: the butler did it' });
      const ack = await mention(id, 'how does it end?');
      expect((await settled(ack.interaction_id)).reply).toMatchObject({ text: '', blocked: 'blocked_term' });
      expect(await callbackOf(ack.interaction_id)).toMatchObject({
        success: true,
        blocked: 'blocked_term',
        response_data: { message: '' },
      });
    });

    it('masks PII before the provider, and always in the interaction log', async () => {
      const redacting = await communityWith({}, 'api');
      const raw = 'mail me at jo.doe@example.com or call +1 555 123 4567';
      upstream.behave({ reply: 'Noted: jo.doe@example.com' });
      const first = await mention(redacting, raw);
      await settled(first.interaction_id);
      expect(upstreamUserTexts().at(-1)).toContain('mail me at [email] or call [phone]');
      expect(JSON.stringify(upstream.calls)).not.toContain('jo.doe@example.com');

      // pii_redaction: false lets the provider see the text, but the log still masks it.
      const open = await communityWith({ pii_redaction: false }, 'api');
      const second = await mention(open, raw);
      const done = await settled(second.interaction_id);
      expect(upstreamUserTexts().at(-1)).toContain(raw);
      expect(done.reply?.text).toBe('Noted: [email]');
      for (const communityId of [redacting, open]) {
        const listed = await app.inject({
          method: 'GET',
          url: `/api/v1/ai/interactions?community_id=${encodeURIComponent(communityId)}`,
          headers: as(ADMIN),
        });
        expect(listed.statusCode).toBe(200);
        const [logged] = listed.json().interactions;
        expect(logged.event.text).toBe('@chatgate mail me at [email] or call [phone]');
        expect(logged.reply.text).toBe('Noted: [email]');
        expect(listed.body).not.toContain('example.com');
      }
    });

    it('ignores a message the moderation endpoint flags, without calling the provider', async () => {
      const id = await communityWith({ moderation_url: `${moderation.url}/v1/moderations` });
      const ack = await mention(id, 'I hate everyone here');
      // The router queued it (no blocked term); the worker asked the endpoint and stopped there.
      expect(ack.status).toBe('queued');
      expect(await settled(ack.interaction_id)).toMatchObject({ status: 'ignored', reason: 'moderation' });
      expect(await callbackOf(ack.interaction_id)).toMatchObject({ success: false, error: 'moderation' });
      expect(upstreamUserTexts()).toEqual([]);
      expect(moderation.inputs()).toEqual(['I hate everyone here']);
      expect(moderation.calls[0]?.headers.authorization).toBe(`Bearer ${MODERATION_KEY}`);
    });

    it('blocks a reply the moderation endpoint flags, and asks about PII-masked text only', async () => {
      const id = await communityWith({
        moderation_url: `${moderation.url}/v1/moderations`,
        blocked_reply: 'Let us move on.',
      });
      upstream.behave({ reply: 'I hate mondays too' });
      const ack = await mention(id, 'mondays, right? write me at jo@example.com');
      expect((await settled(ack.interaction_id)).reply).toMatchObject({
        text: 'Let us move on.',
        blocked: 'moderation',
      });
      expect(moderation.inputs()).toEqual(['mondays, right? write me at [email]', 'I hate mondays too']);
    });

    it('lets text through when the endpoint fails and the community fails open', async () => {
      const id = await communityWith({ moderation_url: `${moderation.url}/v1/moderations` });
      moderation.behave({ fail: { status: 503 } });
      upstream.behave({ reply: 'I hate rain' });
      const ack = await mention(id, 'I hate rain');
      expect((await settled(ack.interaction_id)).reply).toMatchObject({ text: 'I hate rain', blocked: null });
      expect(moderation.calls).toHaveLength(2);
    });

    it('stops text when the endpoint fails or is too slow and the community fails closed', async () => {
      const id = await communityWith({
        moderation_url: `${moderation.url}/v1/moderations`,
        moderation_fail_open: false,
      });
      moderation.behave({ fail: { status: 500 } });
      const failing = await mention(id, 'hello');
      expect(await settled(failing.interaction_id)).toMatchObject({
        status: 'ignored',
        reason: 'moderation_unavailable',
      });
      // Slower than safety.moderation.moderationTimeoutMs: the same.
      moderation.behave({ fail: undefined, hang: true });
      const slow = await mention(id, 'hello again');
      expect(await settled(slow.interaction_id)).toMatchObject({
        status: 'ignored',
        reason: 'moderation_unavailable',
      });
      expect(upstreamUserTexts()).toEqual([]);

      // The input passes, the endpoint fails on the reply: the reply is blocked.
      moderation.behave({ hang: false });
      moderation.failOn(['secret recipe']);
      upstream.behave({ reply: 'Here is the secret recipe' });
      const answered = await mention(id, 'and now?');
      expect((await settled(answered.interaction_id)).reply).toMatchObject({
        text: '',
        blocked: 'moderation_unavailable',
      });
      expect(upstreamUserTexts()).toHaveLength(1);
    });
  });
}
