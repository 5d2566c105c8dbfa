import type { AppConfig } from '../config/config';

/**
 * SMART App Launch v2 discovery (`.well-known/smart-configuration`): describes the configured
 * IdP; this server is a resource server and issues no tokens itself.
 */
export function smartConfiguration(config: AppConfig): Record<string, unknown> {
  return {
    issuer: config.authIssuer,
    jwks_uri: config.authJwksUri,
    authorization_endpoint: config.authAuthorizeEndpoint,
    token_endpoint: config.authTokenEndpoint,
    grant_types_supported: ['authorization_code', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256', 'ES256'],
    scopes_supported: ['openid', 'fhirUser', 'launch/patient', 'offline_access', 'patient/*.rs', 'user/*.cruds', 'system/*.rs'],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    capabilities: [
      'launch-standalone',
      'client-public',
      'client-confidential-asymmetric',
      'context-standalone-patient',
      'permission-patient',
      'permission-user',
      'permission-v2',
      'permission-v1',
    ],
  };
}
