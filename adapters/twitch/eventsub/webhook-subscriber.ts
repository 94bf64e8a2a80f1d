/**
 * The webhook transport's side of a "connection": there is no socket, only the subscriptions that
 * tell Twitch to post events to `TWITCH_EVENTSUB_CALLBACK_URL`. Creating them is supervised like
 * a connection by the adapter kit: `connecting` until they are created, `online` after, retried
 * with backoff when Helix cannot be reached, given up when the credentials are refused. Events
 * then arrive through the route (webhook.ts), and count as traffic.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../../src/core/adapter-kit/clock.js';
import {
  type ConnectionState,
  SupervisedConnection,
} from '../../../src/core/adapter-kit/supervised-connection.js';
import { TwitchAuthError } from './tokens.js';

export interface WebhookSubscriberOptions {
  logger: Logger;
  clock: Clock;
  backoff: { initialMs: number; maxMs: number };
  /** Creates every subscription; rejects when it cannot (a fatal TwitchAuthError stops for good). */
  subscribe(): Promise<void>;
  status(state: ConnectionState): void;
}

/** The webhook subscriptions under supervision; see the file comment. */
export class WebhookSubscriber {
  private readonly supervisor: SupervisedConnection;

  constructor(options: WebhookSubscriberOptions) {
    this.supervisor = new SupervisedConnection(
      {
        connect: async (attempt) => {
          await options.subscribe();
          attempt.online();
        },
        disconnect: async () => {},
        describeFailure: (error) => ({
          message: error instanceof Error ? error.message : String(error),
          fatal: error instanceof TwitchAuthError && error.fatal,
        }),
      },
      {
        label: 'twitch eventsub webhook',
        logger: options.logger,
        clock: options.clock,
        backoff: options.backoff,
        startTimeoutMs: 30_000,
        stopGraceMs: 1_000,
        onStatus: (state) => options.status(state),
      },
    );
  }

  start(): Promise<void> {
    return this.supervisor.start();
  }

  stop(): Promise<void> {
    return this.supervisor.stop();
  }

  state(): ConnectionState {
    return this.supervisor.state();
  }

  online(): boolean {
    return this.supervisor.status === 'online';
  }

  /** A delivery arrived: the time of the last event. */
  trafficSeen(): void {
    this.supervisor.trafficSeen();
  }
}
