/**
 * One way to turn anything thrown into text or an Error. Before this file the kernel bridge did it
 * six ways (message only, name + message, String(e), `(e as Error).message`...), so the same failure
 * read differently in the kernel log, a widget and a cell.
 */

/** Anything thrown -> an Error (non-Errors are wrapped, their text kept). */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

/** Anything thrown -> its message alone ("offer has no video m-line"): for logs and replies. */
export function errorMessage(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/**
 * Anything thrown -> "Name: message" ("TypeError: x is not a function"): for a user reading what
 * their own code threw, where the error's class is part of the answer.
 */
export function errorSummary(thrown: unknown): string {
  return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
}
