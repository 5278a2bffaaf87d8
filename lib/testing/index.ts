export {
  expectDocumentMatchesEnforcement,
  findEnforcementDrift,
  type EnforcementDrift,
} from './document-enforcement.js';
export {
  checkAuthConformance,
  expectAuthConformance,
  type AuthConformanceOptions,
  type ConformanceFinding,
  type ConformanceRoute,
} from './auth-conformance.js';
export { mintToken, type MintTokenOptions } from './mint-token.js';
