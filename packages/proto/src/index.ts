export { loadNightshift, PROTO_DIR, PROTO_FILES, LOADER_OPTIONS, type NightshiftGrpc } from './load.js';
export { serve, tolerantDecoding, MalformedRequest, type ServingServer, type ServeGuard } from './serve.js';
export { DISPATCH_SECRET_HEADER, hashDispatchSecret, dispatchSecretMatches, isLoopbackListen } from './dispatch-secret.js';
export { ConnectionGuard, connectionLimitsSchema, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-guard.js';
export { serverTlsSchema, clientTlsSchema, serverCredentials, channelCredentials, httpsServerOptions, type ServerTls, type ClientTls } from './tls.js';
export { packTokens, unpackTokens, packLe32, unpackLe32, viewLe32 } from './tokens.js';
export { toTimestamp, fromTimestamp } from './timestamp.js';
export * from './generated/index.js';
export {
  OP_NAMES,
  isOpName,
  PARAM_SCHEMAS,
  RESULT_KIND,
  resultLength,
  opKey,
  toOpParams,
  resolveOp,
  ParamError,
  type OpName,
  type OpSpec,
  type MinhashOpParams,
  type EmbedOpParams,
  type AttentionOpParams,
} from './ops.js';
export { loadConfig, configPathFromArgs, ConfigError, type EnvOverrides } from './config-file.js';
export { createLogger, throttled, type Logger } from './logger.js';
export { runServiceMain, type ServiceMain } from './service-main.js';
export { seededRandom } from './seeded-random.js';
export { listenHttp, metricsRoute, type Route, type HttpEndpoint, type HttpOptions } from './http-endpoint.js';
export { countGrpcRequests } from './grpc-metrics.js';
