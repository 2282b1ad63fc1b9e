export { ApiKeys, hashKey, newApiKey, TENANT_HEADER, type ApiKeyEntry, type Caller, type Role, type WorkerAccess } from './api-keys.js';
