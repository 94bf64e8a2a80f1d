/** IRC lines as Twitch sends them, for the burst benchmark: a raid notice and raiders' messages. */

/** The room id of the benchmark's channel. */
export const ROOM_ID = '424242';

/** `raider` (a login) raids `channel` with `viewers`. */
export function raidLine(channel: string, raider: string, viewers: number): string {
  return `@badges=;display-name=${raider};id=raid-notice-1;login=${raider};msg-id=raid;msg-param-viewerCount=${viewers};room-id=${ROOM_ID};user-id=8000 :tmi.twitch.tv USERNOTICE #${channel}`;
}

/** Raider number `n` says `text` in `channel` (its own user id and message id). */
export function raiderLine(channel: string, n: number, text: string): string {
  const login = `raider${n}`;
  const tags = `@badge-info=;badges=;color=;display-name=Raider${n};emotes=;id=raid-msg-${n};mod=0;room-id=${ROOM_ID};subscriber=0;tmi-sent-ts=${Date.now()};user-id=${9000 + n};user-type=`;
  return `${tags} :${login}!${login}@${login}.tmi.twitch.tv PRIVMSG #${channel} :${text}`;
}
