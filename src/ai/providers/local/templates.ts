import type { LocalCategory } from './categorize.js';

/**
 * The local responder's replies, several per category. `{name}` is replaced with the user's name
 * (or "friend" when unknown). Every template says it is a local/offline answer, so nobody mistakes
 * it for the AI. One is picked per message by a hash of its text (see `pickTemplate`).
 */
export const TEMPLATES: Readonly<Record<LocalCategory, readonly string[]>> = {
  greeting: [
    'Hi {name}! 👋 I am in local mode right now, so I can only give simple replies.',
    'Hello {name}! Welcome in. (Offline mode: my AI brain is taking a break.)',
    'Hey {name}, good to see you! I am answering in local mode for now.',
    'Heya {name}! 😊 Quick hello from local mode; the full AI is offline at the moment.',
  ],
  farewell: [
    'Bye {name}, take care! 👋 (local mode)',
    'See you later, {name}! Thanks for hanging out. (offline reply)',
    'Good night {name}, come back soon! (I am in local mode right now.)',
    'Catch you next time, {name}! 💜 (local mode reply)',
  ],
  question: [
    'Good question, {name}! I am in local mode right now and cannot look that up. Try again later.',
    'Hmm, {name}, my AI is offline at the moment, so I cannot answer that properly. Ask me again soon!',
    'I would love to help with that, {name}, but I am running in local mode without the AI for now.',
    'That one needs my full brain, {name}, and it is offline right now (local mode). Please ask again later.',
  ],
  thanks: [
    'You are welcome, {name}! 😊 (local mode)',
    'Anytime, {name}! (offline reply)',
    'Happy to help, {name}! I am in local mode, but I appreciate you.',
    'No problem at all, {name}! 💜 (local mode)',
  ],
  help: [
    'I am in local mode right now, {name}, so I can only do a little: try /status, /help or /echo <text>.',
    'Sorry {name}, the AI is offline at the moment. Type /help to see what I can do in local mode.',
    'I hear you, {name}! I am running offline for now; a moderator may be able to help in the meantime.',
  ],
  default: [
    'I am in local mode right now, {name}, so I can only give simple replies. Type /help for more.',
    'Noted, {name}! My AI is offline at the moment; I will be smarter once it is back. (local mode)',
    'Thanks for the message, {name}! I am answering in offline mode for now.',
    'Got it, {name}! 👍 (local mode: the full AI is unavailable right now)',
  ],
  subscription: [
    'Thank you for subscribing, {name}! 🎉 (local mode)',
    'Welcome to the sub club, {name}! 💜 (offline reply)',
    'Huge thanks for the sub, {name}! (local mode)',
  ],
  resub: [
    'Thanks for resubscribing, {name}! 🎉 Your support means a lot. (local mode)',
    'Welcome back for another month, {name}! 💜 (offline reply)',
    'Thank you for sticking around, {name}! (local mode)',
  ],
  subgift: [
    'Thank you for the gifted sub, {name}! 🎁 (local mode)',
    'So generous, {name}! Thanks for gifting a sub. (offline reply)',
    'A gift sub! Thank you, {name}! 💜 (local mode)',
  ],
  submysterygift: [
    'Wow, thank you for the gift subs, {name}! 🎁🎁 (local mode)',
    'Gift subs raining down! Thanks, {name}! (offline reply)',
    'Thank you for gifting to the community, {name}! 💜 (local mode)',
  ],
  raid: [
    'Welcome, raiders! Thanks for the raid, {name}! 🚀 (local mode)',
    'Raid incoming! Thank you, {name}, and welcome everyone! (offline reply)',
    'Thanks for bringing the crew, {name}! 🎉 (local mode)',
  ],
  cheer: [
    'Thank you for the bits, {name}! ✨ (local mode)',
    'Thanks for cheering, {name}! 💎 (offline reply)',
    'Cheers to you, {name}! Thanks for the bits. (local mode)',
  ],
  follow: [
    'Thanks for the follow, {name}! Welcome! 💜 (local mode)',
    'Welcome aboard, {name}, and thanks for following! (offline reply)',
    'A new follower! Thank you, {name}! (local mode)',
  ],
};

/** Used for `{name}` when the message has no user name. */
const UNKNOWN_NAME = 'friend';

/**
 * The 32-bit FNV-1a hash of `text`'s UTF-16 code units, as an unsigned integer.
 * @example fnv1a('') // 2166136261
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The reply for `category`: the template at `fnv1a(seed) % count`, with `{name}` filled in. The
 * same seed always picks the same template; different seeds spread over the templates.
 * @param seed the text the choice depends on (the message being answered).
 * @param userName the name to address; "friend" when absent or blank.
 */
export function pickTemplate(category: LocalCategory, seed: string, userName?: string): string {
  const templates = TEMPLATES[category];
  const template = templates[fnv1a(seed) % templates.length] ?? '';
  const name = userName?.trim() || UNKNOWN_NAME;
  // A function replacer, so `$&` and friends in a user name stay literal.
  return template.replaceAll('{name}', () => name);
}
