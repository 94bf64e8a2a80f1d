import type { AiService } from '../ai/ai-service.js';
import { buildPrompt } from '../ai/prompt.js';
import type { CommunitySettingsSource } from '../community/community-settings.js';
import type { Config } from '../config/schema.js';
import type { ChatEvent } from '../core/chat-event.js';
import { maskPii } from '../safety/pii.js';
import type { UsageMeter } from '../safety/usage/usage-meter.js';
import { cleanReply } from './clean-reply.js';
import { personaOf } from './worker.js';

/** What a trial answer needs (a subset of the services). */
export interface TrialDeps {
  config: Pick<Config, 'bot' | 'personalities' | 'limits'>;
  communities: CommunitySettingsSource;
  ai: Pick<AiService, 'complete'>;
  usage?: Pick<UsageMeter, 'record'>;
}

/** One trial line's answer, and who gave it. */
export interface TrialAnswer {
  /** The reply as the bot would say it (cleaned, cut to the web chat's limit). */
  reply: string;
  /** `ollama`, `openai` or `local`. */
  provider: string;
  model: string;
  /** `remote` or `local`. */
  mode: string;
  serviceStatus: string;
  /** Why earlier links of the chain did not answer. */
  fallbackReason?: string;
  /** From the call to the answer, ms (retries and fallbacks included). */
  latencyMs: number;
}

/** The user a trial line is asked as (usage is counted for it). */
export const TRIAL_USER = 'console';
/** The channel a trial line is asked in (usage is counted for it). */
export const TRIAL_CHANNEL = 'test';

/**
 * Asks the community's provider chain one line, as the worker would answer it in a private web
 * chat (`web` platform, trigger `mention`): the same persona (the community's, or `personality`),
 * prompt building (no context, no background) and PII masking, through `AiService.complete` with
 * its breakers, retries and fallbacks. Nothing is stored as context and nothing is sent anywhere;
 * the answer's tokens are counted in the community's usage (user `console`, channel `test`), so
 * they count toward its budgets.
 * @throws AiUnavailableError when no link of the chain answered.
 * @throws the signal's reason when it aborts.
 */
export async function answerTrialLine(
  deps: TrialDeps,
  input: { communityId: string; text: string; personality?: string },
  signal?: AbortSignal,
): Promise<TrialAnswer> {
  const community = await deps.communities.get(input.communityId);
  const event: ChatEvent = {
    id: `web:trial:${Date.now()}`,
    platform: 'web',
    type: 'message',
    communityId: input.communityId,
    channelId: TRIAL_CHANNEL,
    text: input.text,
    user: { id: TRIAL_USER, login: TRIAL_USER, displayName: TRIAL_USER, isBot: false, roles: [] },
    isDirect: true,
    mentionsBot: true,
    meta: {},
    receivedAt: Date.now(),
  };
  const { limits } = deps.config;
  const messageMaxChars = limits.messageMaxChars.web ?? 2000;
  const replyMaxChars = limits.replyMaxChars.web ?? messageMaxChars;
  const text = community.moderation.piiRedaction ? maskPii(input.text) : input.text;
  const conversation = `${input.communityId}|${TRIAL_CHANNEL}|${TRIAL_USER}`;
  const messages = buildPrompt({
    botName: deps.config.bot.name,
    persona: personaOf(deps.config.personalities, community, conversation, input.personality),
    event,
    trigger: 'mention',
    text,
    context: [],
    replyMaxChars: messageMaxChars,
    background: [],
  });
  const started = performance.now();
  const result = await deps.ai.complete({
    community,
    messages,
    hint: { text, userName: TRIAL_USER, eventType: 'message' },
    ...(signal && { signal }),
  });
  const latencyMs = Math.round(performance.now() - started);
  await deps.usage?.record({
    communityId: input.communityId,
    channelId: TRIAL_CHANNEL,
    userId: TRIAL_USER,
    model: result.model,
    usage: result.usage,
    promptChars: messages.reduce((sum, message) => sum + message.content.length, 0),
    completionChars: result.content.length,
  });
  return {
    reply: cleanReply(result.content, replyMaxChars),
    provider: result.provider,
    model: result.model,
    mode: result.mode,
    serviceStatus: result.serviceStatus,
    ...(result.fallbackReason !== undefined && { fallbackReason: result.fallbackReason }),
    latencyMs,
  };
}
