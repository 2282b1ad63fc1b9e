export { ApiKeys, hashKey, newApiKey, TENANT_HEADER, type ApiKeyEntry, type Caller, type Role } from './api-keys.js';
