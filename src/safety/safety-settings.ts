import { withoutUndefined } from '../core/without-undefined.js';
import type { MinRole } from './roles.js';

/**
 * A community's safety rules (issue "Made for crowds"): who may use the bot, how many tokens a day
 * it may spend, and what may go in and out. The service defaults live under `safety` in
 * `config/default.yaml`; a community overrides them field by field (`permissions`, `budgets`,
 * `moderation` in the config API, snake_case there).
 */

/** Who may use the bot in a community. */
export interface PermissionSettings {
  /** The lowest role answered (`everyone` … `broadcaster`); triggers may require more. */
  minRole: MinRole;
  /** Platform user ids or logins (lower case) always answered, whatever their role. */
  allowUsers: string[];
  /** Platform user ids or logins (lower case) never answered: ignored with reason `blocked_user`. */
  blockUsers: string[];
}

/**
 * Daily limits (a day is UTC), in tokens (prompt + completion, from the provider's `usage`,
 * estimated when it gives none) and in USD (from `safety.prices`). Unset = no limit.
 */
export interface BudgetSettings {
  userDailyTokens?: number;
  channelDailyTokens?: number;
  communityDailyTokens?: number;
  userDailyUsd?: number;
  channelDailyUsd?: number;
  communityDailyUsd?: number;
}

/** What may go in and out. */
export interface ModerationSettings {
  /**
   * Words or phrases refused in a message and in a reply, matched on word boundaries after NFKC,
   * case folding and look-alike folding (`h4te` matches `hate`). Plain text, never patterns.
   */
  blockedTerms: string[];
  /** Whether a reply may hold a URL; unset = every platform but Twitch. */
  allowLinks?: boolean;
  /** Mask e-mail addresses, phone, card and IBAN numbers and IP addresses before a provider sees them. */
  piiRedaction: boolean;
  /** An OpenAI-compatible `/v1/moderations` endpoint asked about the input and the reply. */
  moderationUrl?: string;
  /** Whether a failing or slow moderation endpoint lets the text through (true) or blocks it. */
  moderationFailOpen: boolean;
  /** Said instead of a blocked reply; unset = nothing is sent. */
  blockedReply?: string;
}

/** A community's overrides of the safety rules: each set field wins over the service default. */
export interface SafetyOverrides {
  permissions?: Partial<PermissionSettings>;
  budgets?: { [K in keyof BudgetSettings]?: number | null };
  moderation?: Partial<Omit<ModerationSettings, 'allowLinks' | 'moderationUrl' | 'blockedReply'>> & {
    allowLinks?: boolean | null;
    moderationUrl?: string | null;
    blockedReply?: string | null;
  };
}

/** The rules in force: the service defaults with a community's overrides. */
export interface SafetySettings {
  permissions: PermissionSettings;
  budgets: BudgetSettings;
  moderation: ModerationSettings;
}

/**
 * `overrides` over `base`, section by section and field by field. In `budgets` and the optional
 * moderation fields, `null` removes the default (no limit, no URL, no blocked reply).
 */
export function applySafetyOverrides(base: SafetySettings, overrides: SafetyOverrides): SafetySettings {
  const budgets: BudgetSettings = { ...base.budgets };
  for (const [field, value] of Object.entries(overrides.budgets ?? {}) as [
    keyof BudgetSettings,
    number | null,
  ][]) {
    if (value === null) delete budgets[field];
    else if (value !== undefined) budgets[field] = value;
  }
  const moderation: ModerationSettings = { ...base.moderation };
  for (const [field, value] of Object.entries(overrides.moderation ?? {})) {
    const key = field as keyof ModerationSettings;
    if (value === null) delete moderation[key];
    else if (value !== undefined) (moderation as unknown as Record<string, unknown>)[key] = value;
  }
  return {
    permissions: { ...base.permissions, ...withoutUndefined(overrides.permissions ?? {}) },
    budgets,
    moderation,
  };
}

/** Merges two sets of overrides (a PATCH over what is stored): sections merge field by field. */
export function mergeSafetyOverrides(base: SafetyOverrides, patch: SafetyOverrides): SafetyOverrides {
  const merged: SafetyOverrides = {};
  for (const section of ['permissions', 'budgets', 'moderation'] as const) {
    const value =
      base[section] || patch[section]
        ? { ...base[section], ...withoutUndefined(patch[section] ?? {}) }
        : undefined;
    if (value) (merged as Record<string, unknown>)[section] = value;
  }
  return merged;
}
