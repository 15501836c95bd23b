/** The closed list of reasons a server-side URL fetch refuses; messages are safe to show the user. */
export type FetchRefusal =
  | "bad_url"
  | "scheme"
  | "credentials"
  | "host"
  | "port"
  | "dns"
  | "private_address"
  | "too_many_redirects"
  | "status"
  | "encoding"
  | "too_large"
  | "timeout"
  | "network"
  | "not_an_image";

export class FetchRefused extends Error {
  constructor(
    readonly code: FetchRefusal,
    message: string,
  ) {
    super(message);
    this.name = "FetchRefused";
  }
}
