/** A mistake in the command line: reported with the usage text, exit code 2. */
export class UsageError extends Error {}

/** Reports a failure of a `hookgate` command and gives its exit code: 2 for a usage mistake, else 1. */
export function failed (error: unknown, usage: string, err: (line: string) => void): number {
  err(`hookgate: ${(error as Error).message}`)
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
    err(usage)
    return 2
  }
  return 1
}
