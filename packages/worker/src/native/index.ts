export { loadNative, ADDON_PATH, type NativeAddon, type NativeBackendInfo, type NativeBuildInfo, type NativeBatchResult, type NativeParams, type CudaPlan, type CudaDevice } from './native.js';
export { NativeBackend } from './native-backend.js';
export { packBatch } from './pack-batch.js';
export { nativeParams, checkNativeBatch, NATIVE_ATTENTION_MAX_LENGTH, NATIVE_ATTENTION_MAX_ELEMENTS } from './native-params.js';
