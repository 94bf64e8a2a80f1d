/** One bad configuration key: its dotted path, the env variable it came from (if any), and why. */
export interface ConfigIssue {
  key: string;
  env?: string;
  message: string;
}

/**
 * The configuration is invalid. The message names every bad key and why, in one piece, so that an
 * operator fixes them all at once: `invalid configuration: server.port (PORT): must be <= 65535; …`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      `invalid configuration:\n${issues
        .map((issue) => `  - ${issue.key}${issue.env ? ` (${issue.env})` : ''}: ${issue.message}`)
        .join('\n')}`,
    );
  }
}
