/** `iss` of the sample's access tokens, required when they are verified. */
export const TOKEN_ISSUER = 'nest-http-auth-sample';
