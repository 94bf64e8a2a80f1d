/**
 * Faults the fuzzer found in files owned elsewhere, not fixed yet. Each is excused by its exact
 * answer only (the rest of the route stays under the invariant), and each has a reproduction in
 * routes.test.ts marked `it.fails`: when it is fixed, that test fails and says to delete the entry.
 */
import type { LightMyRequestResponse as InjectResponse } from 'fastify';

/** One known fault: where, how to recognise its answer, and a request that reproduces it. */
export interface KnownFault {
  route: string;
  /** What is wrong, and whose file it is in. */
  reason: string;
  /** True for this fault's answer and no other. */
  matches(response: InjectResponse): boolean;
  /** A request (path and method) that gets this answer today. */
  reproduction: { method: 'DELETE' | 'GET' | 'POST' | 'PUT'; url: string };
}

export const KNOWN_FAULTS: KnownFault[] = [];

/** The known fault that explains `response` on `route`, if any. */
export function knownFaultOf(route: string, response: InjectResponse): KnownFault | undefined {
  return KNOWN_FAULTS.find((fault) => fault.route === route && fault.matches(response));
}
