export { MetricsServer } from './metrics-server.js';
