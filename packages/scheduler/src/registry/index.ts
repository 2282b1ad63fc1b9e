export { WorkerRegistry, type RegisteredWorker } from './worker-registry.js';
export { RegistryService } from './registry-service.js';
