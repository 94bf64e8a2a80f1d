/**
 * Roles in Telegram groups, from `getChatAdministrators`
 * (https://core.telegram.org/bots/api#getchatadministrators: the chat's administrators that are not
 * bots, as ChatMember objects, https://core.telegram.org/bots/api#chatmember): the `creator` is
 * `broadcaster`, an `administrator` is `moderator`, everyone else has no role.
 *
 * One call per chat per `ttlMs` (lru-cache's `fetch`: concurrent asks for one chat share a call),
 * at most `maxChats` chats kept. A failed call gives no roles for `failureTtlMs` (not one call per
 * message while Telegram refuses) and is logged once per chat until a call succeeds again.
 * `forget(chatId)` drops a chat's list: the next message asks again (an admin was added or removed).
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { UserRole } from '../../src/core/chat-event.js';

/** Telegram statuses of the administrators' list, and the roles each gives. */
const ROLES_OF_STATUS: Readonly<Record<string, readonly UserRole[]>> = {
  creator: ['broadcaster'],
  administrator: ['moderator'],
};

/** A chat's administrators: user id → their roles. Empty when the call failed. */
type AdminRoles = ReadonlyMap<string, readonly UserRole[]>;

/** Where the list comes from and how long it is kept. */
export interface ChatAdminsOptions {
  /** Calls `getChatAdministrators` for a chat id; resolves with its result (ChatMember[]). */
  fetch(chatId: string): Promise<unknown>;
  /** The adapter's logger once started. */
  logger(): Logger | undefined;
  /** How long a chat's list is kept, ms. Default 300 000 (5 minutes). */
  ttlMs?: number;
  /** How long a failed call leaves the chat without roles before the next try, ms. Default 30 000. */
  failureTtlMs?: number;
  /** Most chats kept (least recently used dropped first). Default 10 000. */
  maxChats?: number;
  /** Reads the error of a failed call for the log, without the token. */
  describe(error: unknown): string;
}

/** The administrators of the chats the bot talks in, cached; see the file comment. */
export class ChatAdmins {
  private readonly cache: LRUCache<string, AdminRoles>;
  /** Chats whose failure was logged, until a call succeeds. */
  private readonly failing: LRUCache<string, true>;
  private readonly failureTtlMs: number;

  constructor(private readonly options: ChatAdminsOptions) {
    const max = options.maxChats ?? 10_000;
    this.failureTtlMs = options.failureTtlMs ?? 30_000;
    this.failing = new LRUCache({ max });
    this.cache = new LRUCache<string, AdminRoles>({
      max,
      ttl: options.ttlMs ?? 300_000,
      fetchMethod: (chatId, _stale, { options: set }) => this.load(chatId, set),
    });
  }

  /**
   * The roles of `userId` in group `chatId`: `['broadcaster']`, `['moderator']` or `[]`.
   * Never rejects: a failed call means no roles.
   */
  async rolesOf(chatId: string, userId: string): Promise<UserRole[]> {
    const admins = await this.cache.fetch(chatId);
    return [...(admins?.get(userId) ?? [])];
  }

  /** Drops the cached list of `chatId`: its administrators changed. */
  forget(chatId: string): void {
    this.cache.delete(chatId);
  }

  private async load(chatId: string, set: { ttl?: number }): Promise<AdminRoles> {
    try {
      const members = await this.options.fetch(chatId);
      this.failing.delete(chatId);
      return adminRoles(members);
    } catch (error: unknown) {
      set.ttl = this.failureTtlMs;
      if (!this.failing.has(chatId)) {
        this.failing.set(chatId, true);
        this.options
          .logger()
          ?.warn(
            { chat: chatId, error: this.options.describe(error) },
            'telegram: getChatAdministrators failed; no roles in this chat until it answers',
          );
      }
      return new Map();
    }
  }
}

/** The roles of a `getChatAdministrators` result (read defensively: it came over the network). */
function adminRoles(members: unknown): AdminRoles {
  const roles = new Map<string, readonly UserRole[]>();
  if (!Array.isArray(members)) return roles;
  for (const member of members) {
    const status = (member as { status?: unknown } | null)?.status;
    const id = (member as { user?: { id?: unknown } } | null)?.user?.id;
    const given = typeof status === 'string' ? ROLES_OF_STATUS[status] : undefined;
    if (given && (typeof id === 'number' || typeof id === 'string')) roles.set(String(id), given);
  }
  return roles;
}
