export { findFreePort, redisAnswers, startRedisCluster, startRedisServer, REDIS_NOT_FOUND_HINT, type RedisClusterHandle, type RedisServerHandle, type StartRedisOptions } from './redis-server.js';
export { dropPrefix } from './redis-keys.js';
export { SCHEDULER_NODE_FLAGS, startSchedulerProcess, startService, startWorkerProcess, type LogSink, type ServiceProcess } from './service-process.js';
export { logNormalLengths } from './log-normal-lengths.js';
export { simulateCost, type CostResult, type CostSimulation } from '@nightshift/scheduler/planning';
