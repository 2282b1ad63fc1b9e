export { WorkerRegistry, type RegisteredWorker } from './worker-registry.js';
export { RegistryService } from './registry-service.js';
// Types only: the Kubernetes client (some 25 MB of heap, 50 MB of RSS) loads when discovery is on (see Dispatcher.start).
export type { KubernetesDiscovery, KubernetesDiscoveryOptions } from './kubernetes-discovery.js';
