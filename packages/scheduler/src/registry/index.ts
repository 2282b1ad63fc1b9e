export { WorkerRegistry, type RegisteredWorker } from './worker-registry.js';
export { RegistryService } from './registry-service.js';
export { KubernetesDiscovery, POD_LABELS, POD_ANNOTATIONS, type KubernetesDiscoveryOptions } from './kubernetes-discovery.js';
