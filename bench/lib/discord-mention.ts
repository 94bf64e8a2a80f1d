/**
 * A Discord gateway `MESSAGE_CREATE` payload of a guild member mentioning the bot, as the fake
 * gateway dispatches it (shape of discord.com/developers/docs/resources/message#message-object).
 * @param input ids are snowflakes as strings; `text` follows the `<@bot>` mention.
 */
export function discordMention(input: {
  id: string;
  channelId: string;
  guildId: string;
  author: Record<string, unknown>;
  botId: string;
  text: string;
}): Record<string, unknown> {
  return {
    id: input.id,
    type: 0,
    channel_id: input.channelId,
    guild_id: input.guildId,
    author: input.author,
    member: {
      roles: [],
      nick: null,
      joined_at: '2024-01-01T00:00:00.000000+00:00',
      deaf: false,
      mute: false,
    },
    content: `<@${input.botId}> ${input.text}`,
    mentions: [
      {
        id: input.botId,
        username: 'chatgate',
        bot: true,
        discriminator: '0',
        avatar: null,
        global_name: null,
      },
    ],
    mention_roles: [],
    mention_everyone: false,
    attachments: [],
    embeds: [],
    components: [],
    tts: false,
    pinned: false,
    flags: 0,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
  };
}
