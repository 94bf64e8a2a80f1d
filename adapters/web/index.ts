import { definePlatform } from '../../src/core/platform.js';
import type { WebAdapter } from './adapter.js';
import { WEB_CONFIG } from './config.js';

/** Where the web chat's socket is mounted. */
export const WEB_CHAT_PATH = '/api/v1/ws/chat';

/**
 * The web chat (`web`): the console's playground and any WebSocket client talk to the bot as a
 * platform, through the router, with replies streamed (README, "WebSocket chat"). Always started:
 * it needs no credentials (each socket signs in with its caller's key).
 */
export const webPlatform = definePlatform({
  platform: 'web',
  config: WEB_CONFIG,
  // Our own limits: a browser shows any length; the model is asked to keep to one message.
  limits: { messageMaxChars: 4000, replyMaxChars: 4000 },
  async create(config, ports): Promise<WebAdapter> {
    const { WebAdapter } = await import('./adapter.js');
    return new WebAdapter(config, ports);
  },
  sockets: (adapter, _ports) =>
    adapter
      ? [
          {
            url: WEB_CHAT_PATH,
            maxPayloadBytes: adapter.maxFrameBytes,
            connect: (socket, context) => adapter.connect(socket, context),
          },
        ]
      : [],
});
