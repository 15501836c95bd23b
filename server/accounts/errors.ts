/**
 * The closed list of reasons an account or sharing call refuses. Messages are safe to show: none
 * tells an unknown username from a wrong password, or a hidden experiment from a missing one.
 */
export type AccountErrorCode =
  | "invalid_username"
  | "invalid_password"
  | "username_taken"
  | "bad_credentials"
  | "not_found"
  | "forbidden"
  | "invalid_role"
  | "invalid_visibility"
  | "invalid_link";

export class AccountError extends Error {
  constructor(
    readonly code: AccountErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AccountError";
  }
}

export const isAccountError = (e: unknown): e is AccountError => e instanceof AccountError;
