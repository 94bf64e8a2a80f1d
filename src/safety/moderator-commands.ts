import type { CommunitySettings } from '../community/community-settings.js';
import type { ChatEvent } from '../core/chat-event.js';
import type { Logger } from '../observability/logger.js';
import { hashUserId } from '../observability/logger.js';
import type { ChatterStore } from '../stores/chatter-store.js';
import type { CommunityConfigStore } from '../stores/community-config-store.js';
import type { ContextStore } from '../stores/context-store.js';
import type { InteractionLog } from '../stores/interaction-log.js';
import type { ChatModerationState } from './chat-moderation-state.js';
import { forgetUsers } from './forget-user.js';
import type { ChatCommandHandler, Refusal } from './guards.js';
import {
  type CommandTarget,
  type ModeratorCommand,
  parseModeratorCommand,
} from './moderator-command-parser.js';
import { isModerator } from './roles.js';

/** Today's use (UTC day) of the bot in one channel, as the usage tracker counts it. */
export interface UsageToday {
  requests: number;
  /** Tokens. */
  promptTokens: number;
  /** Tokens. */
  completionTokens: number;
  /** USD, when the models used have a price in `safety.prices`. */
  costUsd?: number;
}

/** Reads today's use in a channel (built by the budgets and usage part). */
export type UsageTodaySource = (scope: { communityId: string; channelId: string }) => Promise<UsageToday>;

/** What the moderator commands act on. */
export interface ModeratorCommandDeps {
  state: ChatModerationState;
  context: ContextStore;
  /** The channels' chatter (background context): `!ai forget @user` removes the user's lines too. */
  chatter?: Pick<ChatterStore, 'forget'>;
  /** Where `!ai forget @login` finds the user ids that went with a login in this community. */
  interactions: Pick<InteractionLog, 'list'>;
  /** Where `!ai block` / `!ai unblock` write `permissions.blockUsers`. */
  communityConfigs: Pick<CommunityConfigStore, 'patch'>;
  /** Drops a community's cached settings after a write (`services.communities.invalidate`). */
  invalidate?: (communityId: string) => void;
  /** The names the bot answers to (lower case, no `@`; adapters add their handles), for `/ai@name`. */
  botNames: readonly string[];
  /** Today's use in a channel; `!ai usage` answers "Usage is not tracked." without it. */
  usageToday?: UsageTodaySource;
  logger: Logger;
}

/** How many recent interactions of a community `!ai forget @login` looks through for ids. */
const FORGET_LOOKBACK = 500;
/** The longest block list the config API accepts (`permissions.block_users`, community-safety.ts). */
const BLOCK_LIST_MAX = 1000;

/**
 * The moderators' chat commands, handed to the router before trigger matching (see
 * `parseModeratorCommand` for the forms):
 * - `!ai off` / `!ai on`: pause / resume the bot in this channel (events there are then ignored
 *   with reason `paused`, see `moderationGuard`);
 * - `!ai forget @user`: forget the user's context in this channel;
 * - `!ai block @user` / `!ai unblock @user`: add / remove the login (or a mention's id) in the
 *   community's stored `permissions.blockUsers`, and drop the cached settings;
 * - `!ai usage`: today's requests, tokens and cost in this channel.
 * Only moderators and the broadcaster or owner (`isModerator`) may run them: anyone else's command
 * is ignored with reason `role`, with no notice. A moderator's command is ignored with reason
 * `command`, its confirmation sent as the notice.
 */
export class ModeratorCommands implements ChatCommandHandler {
  constructor(private readonly deps: ModeratorCommandDeps) {}

  /**
   * The outcome of `event` when it is a moderator command, undefined otherwise.
   * @throws when a store it writes or reads cannot be reached (the router's ingest rejects).
   */
  async handle(event: ChatEvent, community: CommunitySettings): Promise<Refusal | undefined> {
    const command = parseModeratorCommand(event, this.deps.botNames);
    if (!command) return undefined;
    if (!isModerator(event.user)) return { reason: 'role' };
    const notice = await this.run(command, event, community);
    this.deps.logger.info(
      {
        action: 'moderator_command',
        command: command.name,
        community: event.communityId,
        user: hashUserId(event.platform, event.user.id),
      },
      'moderator command',
    );
    return { reason: 'command', notice };
  }

  private async run(
    command: ModeratorCommand,
    event: ChatEvent,
    community: CommunitySettings,
  ): Promise<string> {
    const { deps } = this;
    const { communityId, channelId } = event;
    switch (command.name) {
      case 'off':
        await deps.state.pause(communityId, channelId);
        return `AI paused in this channel. ${command.prefix}ai on to resume.`;
      case 'on':
        await deps.state.resume(communityId, channelId);
        return 'AI resumed in this channel.';
      case 'usage':
        return this.usage(communityId, channelId);
      case 'forget': {
        const ids = await this.userIds(communityId, command.target);
        await forgetUsers(deps.context, community, communityId, channelId, ids, deps.chatter);
        return `Forgot my conversation with ${command.target.shown} in this channel.`;
      }
      case 'block':
      case 'unblock':
        return this.setBlocked(command.name === 'block', command.prefix, community, command.target);
    }
  }

  private async usage(communityId: string, channelId: string): Promise<string> {
    if (!this.deps.usageToday) return 'Usage is not tracked.';
    const usage = await this.deps.usageToday({ communityId, channelId });
    const count = (value: number) => value.toLocaleString('en-US');
    const tokens = usage.promptTokens + usage.completionTokens;
    const cost = usage.costUsd === undefined ? '' : `, $${usage.costUsd.toFixed(usage.costUsd < 1 ? 4 : 2)}`;
    return (
      `Today in this channel: ${count(usage.requests)} ${usage.requests === 1 ? 'request' : 'requests'}, ` +
      `${count(tokens)} tokens (${count(usage.promptTokens)} prompt, ${count(usage.completionTokens)} completion)${cost}.`
    );
  }

  /**
   * The user ids behind a target: a mention's id; for a login, the ids that came with it in the
   * community's recent interactions, and the login itself (users of the `api` platform often have
   * their login as id).
   */
  private async userIds(communityId: string, target: CommandTarget): Promise<string[]> {
    if (target.id) return [target.id];
    const login = target.login as string;
    const recent = await this.deps.interactions.list({ communityId, limit: FORGET_LOOKBACK });
    const ids = new Set([login]);
    for (const interaction of recent) {
      if (interaction.event.user.login.toLowerCase() === login) ids.add(interaction.event.user.id);
    }
    return [...ids];
  }

  /** Adds or removes the target in the community's stored block list; the confirmation. */
  private async setBlocked(
    block: boolean,
    prefix: '!' | '/',
    community: CommunitySettings,
    target: CommandTarget,
  ): Promise<string> {
    const entry = (target.login ?? target.id) as string;
    const current = community.permissions.blockUsers;
    const matches = (listed: string) => listed.replace(/^@/, '').toLowerCase() === entry;
    const present = current.some(matches);
    if (block && present) return `${target.shown} was already blocked.`;
    if (!block && !present) return `${target.shown} was not blocked.`;
    if (block && current.length >= BLOCK_LIST_MAX) {
      return `The block list is full (${BLOCK_LIST_MAX} users): unblock someone first.`;
    }
    const blockUsers = block ? [...current, entry] : current.filter((listed) => !matches(listed));
    // The whole list is written: a PATCH replaces `permissions.blockUsers` as one field.
    await this.deps.communityConfigs.patch(community.communityId, { permissions: { blockUsers } });
    this.deps.invalidate?.(community.communityId);
    return block
      ? `${target.shown} is blocked from the AI. ${prefix}ai unblock ${target.shown} to undo.`
      : `${target.shown} is no longer blocked.`;
  }
}
