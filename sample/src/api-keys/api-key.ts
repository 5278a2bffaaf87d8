/** Who an API key belongs to and what it may do. */
export interface ApiKeyGrant {
  /** The username of the key's owner. */
  readonly owner: string;
  readonly scopes: readonly string[];
}

/**
 * The prefix of the keys the sample would issue (`ApiKeys.issue()`): `sample_dev_<id>_<secret>_<checksum>`
 * (docs/api-keys.md). The seeded demo key predates the format and is verified as a legacy key.
 */
export const SAMPLE_API_KEY_PREFIX = 'sample_dev';

/**
 * Characters of a legacy key that are its record's id, as the sample has always stored them in
 * `api_keys.prefix`: `ak_demo_7Hq2` of `ak_demo_7Hq2xR9pLm4vT8wZ`. Not secret: the rest is.
 */
export const LEGACY_ID_LENGTH = 12;
