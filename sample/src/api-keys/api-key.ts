/** Who an API key belongs to and what it may do. */
export interface ApiKeyGrant {
  /** The username of the key's owner. */
  readonly owner: string;
  readonly scopes: readonly string[];
}
