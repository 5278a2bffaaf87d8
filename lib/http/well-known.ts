/** The well-known URI suffix of OAuth 2.0 Protected Resource Metadata (RFC 9728 §3, §6.3). */
export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/**
 * The path of a resource's metadata document: the well-known suffix followed by the resource
 * identifier's path, if it has one (RFC 9728 §3.1): `https://api.example.com/v1` is served at
 * `/.well-known/oauth-protected-resource/v1`, `https://api.example.com` at
 * `/.well-known/oauth-protected-resource`.
 */
export function protectedResourceMetadataPath(resource: URL): string {
  return resource.pathname === '/'
    ? PROTECTED_RESOURCE_METADATA_PATH
    : `${PROTECTED_RESOURCE_METADATA_PATH}${resource.pathname}`;
}

/**
 * The URL of a resource's metadata document: the well-known suffix inserted between the host and
 * the path of the resource identifier (RFC 9728 §3.1), e.g.
 * `https://api.example.com/.well-known/oauth-protected-resource/v1`.
 */
export function protectedResourceMetadataUrl(resource: URL): string {
  return `${resource.origin}${protectedResourceMetadataPath(resource)}`;
}
