/**
 * `POST /webhooks/twitch/eventsub` (open: Twitch signs each delivery instead of sending a key):
 * EventSub's webhook transport. The body is handed over as received, for the signature check in
 * webhook.ts. Without the webhook transport configured: 404 `not_configured`. A request without
 * Twitch's signature headers is refused (403) before its body is read.
 */
import Type from 'typebox';
import type { PlatformRequest, PlatformResponse, PlatformRoute } from '../../../src/core/platform.js';
import type { TwitchAdapter } from '../adapter.js';

/** The headers every delivery carries (https://dev.twitch.tv/docs/eventsub/handling-webhook-events/). */
const REQUIRED_HEADERS = [
  'twitch-eventsub-message-id',
  'twitch-eventsub-message-timestamp',
  'twitch-eventsub-message-signature',
  'twitch-eventsub-message-type',
] as const;

/** What the route needs of the adapter: the EventSub adapter's receiver. */
interface WebhookTarget {
  receiveWebhook(request: PlatformRequest): PlatformResponse;
}

const NOT_CONFIGURED: PlatformResponse = {
  status: 404,
  error: { code: 'not_configured', detail: 'the Twitch EventSub webhook transport is not configured' },
};

/** The route over `adapter` (undefined, or the IRC transport: 404). */
export function eventSubWebhookRoute(adapter: TwitchAdapter | undefined): PlatformRoute {
  const target =
    adapter && 'receiveWebhook' in adapter ? (adapter as TwitchAdapter & WebhookTarget) : undefined;
  return {
    method: 'POST',
    url: '/webhooks/twitch/eventsub',
    access: 'open',
    rawBody: true,
    docs: {
      summary: "Twitch EventSub's webhook transport",
      description:
        'Called by Twitch, which signs each delivery (`Twitch-Eventsub-Message-Signature`, HMAC-SHA256 with the webhook secret) instead of sending a Bearer key (https://dev.twitch.tv/docs/eventsub/handling-webhook-events/).',
      body: Type.Object(
        {
          subscription: Type.Object(
            { id: Type.String(), type: Type.String() },
            { additionalProperties: true },
          ),
          challenge: Type.Optional(Type.String({ description: 'On `webhook_callback_verification`.' })),
          event: Type.Optional(
            Type.Object({}, { additionalProperties: true, description: 'On `notification`.' }),
          ),
        },
        { additionalProperties: true },
      ),
      answers: {
        200: { mediaType: 'text/plain', schema: Type.String({ description: 'The challenge, echoed.' }) },
        204: null,
      },
      failures: {
        400: 'The delivery body is not the JSON Twitch sends.',
        403: 'Not signed by Twitch, or too old.',
        404: 'The EventSub webhook transport is not configured.',
      },
    },
    authorize(request) {
      if (!target) return NOT_CONFIGURED;
      const missing = REQUIRED_HEADERS.some((name) => !request.headers[name]);
      if (!missing) return undefined;
      return {
        status: 403,
        error: { code: 'forbidden', detail: "the delivery lacks Twitch's EventSub signature headers" },
      };
    },
    async handle(request) {
      return target ? target.receiveWebhook(request) : NOT_CONFIGURED;
    },
  };
}
