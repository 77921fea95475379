export { CfError, type CfErrorOptions, isCfError } from './cf-error.js';
export { classify, classifyStatus, proxyTunnelStatus, tlsVerifyCode } from './classify.js';
export { ERROR_CODES, type ErrorCode, type ErrorCodeInfo } from './codes.js';
