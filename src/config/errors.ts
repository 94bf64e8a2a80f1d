/**
 * One bad configuration key: its dotted path, where the bad value came from (the env variable, or
 * else the config file), and why.
 */
export interface ConfigIssue {
  key: string;
  /** The environment variable that set the value. */
  env?: string;
  /** The config file that set the value (`CHATGATE_CONFIG`'s path, or `config/default.yaml`). */
  file?: string;
  message: string;
}

/** `(PORT)` or `(in /etc/chatgate.yaml)`: where an issue's value came from, for the message. */
function sourceOf(issue: ConfigIssue): string {
  if (issue.env) return ` (${issue.env})`;
  return issue.file ? ` (in ${issue.file})` : '';
}

/**
 * The configuration is invalid. The message names every bad key, where its value came from, and
 * why, in one piece, so that an operator fixes them all at once:
 * `invalid configuration: server.port (PORT): must be <= 65535`, or
 * `ai.mode (in ./chatgate.yaml): must be one of …` when the value came from a file.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      `invalid configuration:\n${issues
        .map((issue) => `  - ${issue.key}${sourceOf(issue)}: ${issue.message}`)
        .join('\n')}`,
    );
  }
}
