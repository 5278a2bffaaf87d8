export {
  expectDocumentMatchesEnforcement,
  findEnforcementDrift,
  type EnforcementDrift,
} from './document-enforcement.js';
