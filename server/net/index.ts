/** Server-side fetching of user-named URLs without SSRF (see CONTEXT.md). */
export {
  fetchImage,
  fetchOptionsFromEnv,
  DEFAULT_FETCH_OPTIONS,
  type FetchOptions,
  type FetchedImage,
} from "./fetch-image";
export {
  vetUrl,
  systemResolver,
  DEFAULT_PORTS,
  type Resolver,
  type ResolvedAddress,
  type UrlPolicy,
  type VettedTarget,
} from "./url-policy";
export { classifyAddress, parseIp, canonicalIp, type AddressVerdict } from "./address-policy";
export { FetchRefused, type FetchRefusal } from "./errors";
export { securityHeaders, contentSecurityPolicy, type HeaderOptions } from "./headers";
export {
  originAllowed,
  originPolicyFromEnv,
  hostTrusted,
  clientAddress,
  type OriginPolicy,
} from "./origin";
export {
  connectionCap,
  connectionCapsFromEnv,
  DEFAULT_CONNECTION_CAPS,
  type ConnectionCap,
  type ConnectionCapSettings,
} from "./connection-caps";
