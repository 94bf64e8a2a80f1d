import { withoutRaw } from '../core/chat-event.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { InteractionJob } from '../queue/interaction-queue.js';
import type { InteractionLog, InteractionReply } from '../stores/interaction-log.js';
import type { ReplyDelivery } from './delivery.js';

/**
 * The one place that moves a queued interaction through its states, writing one log row change per
 * state and telling whoever waits (the platform, the callback URL) how it ended:
 * `running` → `done` (with the reply), `ignored` (stale), `failed` (with the reason), or back to
 * `queued` while a retrying queue runs it again. The worker's runner ends the runs it finishes;
 * the queue ends the ones it stops (time limit, shutdown) or never started.
 *
 * Log writes that fail are logged, never thrown: the reply still goes out. Delivery never throws.
 */
export class InteractionLifecycle {
  constructor(
    private readonly interactions: InteractionLog,
    private readonly delivery: ReplyDelivery,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    /**
     * Told when an interaction ends (done, ignored, failed; whoever ended it) before the caller is:
     * the usage meter releases its budget reservation there. Must not throw.
     */
    private readonly onEnd?: (job: InteractionJob) => Promise<void>,
  ) {}

  /**
   * The run began. Written whole (an upsert), not patched: with an `api` and a `worker` process
   * each buffering its writes, the api's `queued` row may not be in the database yet.
   */
  async running(job: InteractionJob): Promise<void> {
    await this.write(job, () =>
      this.interactions.add({
        id: job.interactionId,
        event: withoutRaw(job.event),
        status: 'running',
        trigger: job.trigger,
        callbackUrl: job.callbackUrl,
        sessionId: job.sessionId,
        createdAt: job.event.receivedAt,
      }),
    );
  }

  /** Replied: recorded with the reply, counted, and delivered. */
  async done(job: InteractionJob, reply: InteractionReply): Promise<void> {
    await this.write(job, () =>
      this.interactions.update(job.interactionId, { status: 'done', reply, completedAt: Date.now() }),
    );
    this.metrics.interactions.labels('done', reply.mode, reply.provider).inc();
    if (reply.blocked) this.metrics.repliesBlocked.labels(reply.blocked).inc();
    this.metrics.interactionDuration.observe((Date.now() - job.event.receivedAt) / 1000);
    await this.onEnd?.(job);
    await this.delivery.deliver(job, { ok: true, reply });
  }

  /**
   * A notice sent in place of an answer (see `InteractionJob.notice`): kept as the reply of the
   * `ignored` interaction, and delivered like a reply. Not counted as an answer.
   */
  async notice(job: InteractionJob, reply: InteractionReply): Promise<void> {
    await this.write(job, () => this.interactions.update(job.interactionId, { reply }));
    await this.delivery.deliver(job, { ok: true, reply });
  }

  /**
   * Not answered on purpose (`stale`: too old by its turn; `moderated`: its user was banned or its
   * message deleted): recorded, counted, and the caller told.
   */
  async ignored(job: InteractionJob, reason: string): Promise<void> {
    await this.write(job, () =>
      this.interactions.update(job.interactionId, { status: 'ignored', reason, completedAt: Date.now() }),
    );
    this.metrics.eventsIgnored.labels(reason).inc();
    await this.onEnd?.(job);
    await this.delivery.deliver(job, { ok: false, error: reason, processingTimeMs: 0, ignored: true });
  }

  /**
   * Another copy of the event is the job that runs (two instances saw the same platform message):
   * recorded as ignored, `duplicate`; nobody is told, the other copy answers.
   */
  async duplicate(job: InteractionJob): Promise<void> {
    await this.write(job, () =>
      this.interactions.update(job.interactionId, {
        status: 'ignored',
        reason: 'duplicate',
        completedAt: Date.now(),
      }),
    );
  }

  /** Failed this time; the queue runs it again later: shown as queued, with why. */
  async retrying(job: InteractionJob, reason: string): Promise<void> {
    await this.write(job, () =>
      this.interactions.update(job.interactionId, { status: 'queued', reason: `retrying: ${reason}` }),
    );
  }

  /**
   * No reply can be made (the AI chain failed, the time limit, a shutdown): recorded with `reason`,
   * counted, and the caller told.
   * @param processingTimeMs from the run's start (0 when it never started).
   */
  async failed(job: InteractionJob, reason: string, processingTimeMs: number): Promise<void> {
    await this.write(job, () =>
      this.interactions.update(job.interactionId, { status: 'failed', reason, completedAt: Date.now() }),
    );
    this.metrics.interactions.labels('failed', 'none', 'none').inc();
    await this.onEnd?.(job);
    await this.delivery.deliver(job, { ok: false, error: reason, processingTimeMs });
  }

  private async write(job: InteractionJob, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      this.logger.warn(
        { err: error, interaction: job.interactionId },
        'could not record an interaction state; its reply still goes out',
      );
    }
  }
}
