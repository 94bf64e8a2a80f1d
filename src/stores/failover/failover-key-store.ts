import type { KeyStore } from '../key-store.js';
import { type FailoverOptions, FailoverStore } from './failover-switch.js';

/**
 * Dedupe keys, cooldowns and reply caps on Redis with the in-process store as a fallback, so
 * events keep flowing while Redis is down. During an outage the keys are per instance: an event
 * delivered to two instances may be answered twice, a cooldown or a cap held in Redis is not seen,
 * and counters restart in memory. When Redis returns, the keys Redis held (if not expired) apply
 * again; claims made in memory are not copied back.
 */
export class FailoverKeyStore extends FailoverStore<KeyStore> implements KeyStore {
  constructor(options: FailoverOptions<KeyStore>) {
    super('keys', options);
  }

  claim(key: string, ttlMs: number): Promise<boolean> {
    return this.run((store) => store.claim(key, ttlMs));
  }

  release(key: string): Promise<void> {
    // Both: a key claimed in memory during an outage must be freed even if Redis is back.
    return this.runOnBoth((store) => store.release(key));
  }

  increment(key: string, windowMs: number): Promise<number> {
    return this.run((store) => store.increment(key, windowMs));
  }
}
