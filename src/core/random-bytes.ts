import { randomFillSync } from 'node:crypto';

/** Bytes drawn from the CSPRNG at once: one `randomFillSync` serves many ids. */
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * `size` random bytes (≤ 4096) as a view into a pool refilled from the CSPRNG when spent, the way
 * Node's `randomUUID` buffers its entropy: a `randomBytes` call per id cost ~4% of a completion's
 * CPU. The view is valid until the next call: encode it at once (`.toString('hex')`). For ids, not
 * for keys or secrets (those keep their own `randomBytes`).
 */
export function pooledRandomBytes(size: number): Buffer {
  if (offset + size > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_SIZE));
    offset = 0;
  }
  offset += size;
  return pool.subarray(offset - size, offset);
}
