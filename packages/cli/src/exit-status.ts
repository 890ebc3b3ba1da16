// The kiln command's exit statuses, alone: the entry point needs them before it knows whether
// it will load anything else (kiln --help must stay light).

/** Process exit statuses of the kiln command. */
export const ExitCode = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]
