import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system) process `pid` has used so far, µs, read from Linux's `/proc/<pid>/stat`
 * (its utime and stime, in clock ticks of 10 ms: measure over seconds, not single requests).
 * @throws Error when the process does not exist (or on a system without /proc).
 */
export function cpuMicros(pid: number): number {
  // Fields after the command name (which is in parentheses and may hold spaces): utime is the 12th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}
