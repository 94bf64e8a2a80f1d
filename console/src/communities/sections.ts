import { h } from '../dom.js';
import { KNOWN_PERSONALITIES, MIN_ROLES, PROVIDERS } from './config-types.js';
import { choiceField, flagField, listField, numberField, textField } from './fields.js';
import type { FormModel } from './form-model.js';

/** A titled group of fields (a fieldset, so its legend names every control in it). */
export function section(title: string, ...body: (Node | null)[]): HTMLElement {
  return h('fieldset', { class: 'card config-section' }, h('legend', {}, title), ...body);
}

const grid = (...fields: (Node | null)[]) => h('div', { class: 'fields' }, ...fields);

/** Provider, model, endpoint and sampling; `apiKey` is the write-only key field, placed among them. */
export function providerSection(model: FormModel, apiKey: HTMLElement): HTMLElement {
  return section(
    'Provider and model',
    grid(
      choiceField(model, ['provider'], 'Provider', PROVIDERS),
      textField(model, ['model'], 'Model', { maxLength: 200, hint: 'e.g. llama3.2, gpt-4o-mini' }),
      textField(model, ['base_url'], 'Base URL', {
        type: 'url',
        maxLength: 2048,
        hint: 'the community’s own endpoint, http(s)://…; empty = the service’s',
      }),
      apiKey,
      numberField(model, ['temperature'], 'Temperature', { min: 0, max: 2, hint: '0–2' }),
      numberField(model, ['max_tokens'], 'Max tokens', {
        min: 1,
        max: 4096,
        integer: true,
        hint: '1–4096 tokens',
      }),
      choiceField(model, ['fallback_provider'], 'Fallback provider', PROVIDERS, {
        hint: 'tried before the local responder',
      }),
      choiceField(model, ['context_scope'], 'Context', ['user', 'channel'], {
        hint: 'user: each user’s own turns; channel: the whole channel’s',
      }),
      flagField(model, ['enabled'], 'Bot enabled in this community'),
      flagField(model, ['response_cache'], 'Response cache', {
        hint: 'replay deterministic answers (when RESPONSE_CACHE_TTL_MS > 0)',
      }),
    ),
  );
}

/** Personality or system prompt (the prompt wins). */
export function personaSection(model: FormModel): HTMLElement {
  return section(
    'Persona',
    h('datalist', { id: 'personalities' }, ...KNOWN_PERSONALITIES.map((value) => h('option', { value }))),
    grid(
      textField(model, ['personality'], 'Personality', {
        list: 'personalities',
        hint: 'a configured personality, or random',
      }),
    ),
    textField(model, ['system_prompt'], 'System prompt', {
      multiline: true,
      maxLength: 4000,
      hint: 'at most 4,000 characters; when set it wins over the personality',
    }),
  );
}

/** Who is answered: the lowest role, and users always or never answered. */
export function permissionsSection(model: FormModel): HTMLElement {
  return section(
    'Permissions',
    grid(
      choiceField(model, ['permissions', 'min_role'], 'Lowest role answered', MIN_ROLES),
      listField(model, ['permissions', 'allow_users'], 'Always answer', {
        hint: 'user ids or logins, one a line, whatever their role',
      }),
      listField(model, ['permissions', 'block_users'], 'Never answer', {
        hint: 'user ids or logins, one a line',
      }),
    ),
  );
}

/** Daily token and USD limits (UTC day); empty = no limit. */
export function budgetsSection(model: FormModel): HTMLElement {
  const tokens = (field: string, label: string) =>
    numberField(model, ['budgets', field], label, {
      min: 0,
      integer: true,
      hint: 'tokens a UTC day; empty = no limit',
    });
  const usd = (field: string, label: string) =>
    numberField(model, ['budgets', field], label, { min: 0, hint: 'USD a UTC day; empty = no limit' });
  return section(
    'Budgets',
    grid(
      tokens('user_daily_tokens', 'Per user (tokens)'),
      tokens('channel_daily_tokens', 'Per channel (tokens)'),
      tokens('community_daily_tokens', 'Whole community (tokens)'),
      usd('user_daily_usd', 'Per user (USD)'),
      usd('channel_daily_usd', 'Per channel (USD)'),
      usd('community_daily_usd', 'Whole community (USD)'),
    ),
  );
}

/** Blocked terms, links, PII masking and an outside moderation endpoint. */
export function moderationSection(model: FormModel): HTMLElement {
  const at = (field: string) => ['moderation', field];
  return section(
    'Moderation',
    grid(
      listField(model, at('blocked_terms'), 'Blocked terms', {
        hint: 'plain words or phrases, one a line (no regex), at most 1,000 of 100 characters',
      }),
      flagField(model, at('allow_links'), 'Links in replies', {
        defaultLabel: 'default (everywhere but Twitch)',
        on: 'allowed',
        off: 'refused',
      }),
      flagField(model, at('pii_redaction'), 'Mask personal data (PII)'),
      textField(model, at('moderation_url'), 'Moderation URL', {
        type: 'url',
        maxLength: 2048,
        hint: 'an OpenAI-compatible /v1/moderations, http(s)://…',
      }),
      flagField(model, at('moderation_fail_open'), 'When moderation fails', {
        on: 'let the text through',
        off: 'block it',
      }),
      textField(model, at('blocked_reply'), 'Said instead of a blocked reply', {
        maxLength: 500,
        hint: 'empty = nothing is sent',
      }),
    ),
  );
}

/** Streamed replies and the channel's background chatter. */
export function presenceSection(model: FormModel): HTMLElement {
  return section(
    'Presence in chat',
    grid(
      flagField(model, ['stream_replies'], 'Stream replies', {
        hint: 'show a reply while it is written (Telegram, Discord)',
      }),
      numberField(model, ['background_context', 'messages'], 'Background context (lines)', {
        min: 0,
        max: 100,
        integer: true,
        hint: '0–100 recent unaddressed lines in the prompt; 0 = off',
      }),
      numberField(model, ['background_context', 'max_age_ms'], 'Background context max age (ms)', {
        min: 0,
        max: 3_600_000,
        integer: true,
        hint: '0–3,600,000; older lines are left out',
      }),
    ),
  );
}
