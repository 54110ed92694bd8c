// Imported first by the commands (token, synth, deploy-policy, bench): what they print is theirs, not the AWS SDK's.
// The SDK warns on every Node below 22 that future releases will need 22 (Lambda runs nodejs22.x; docs/testing.md says so);
// it has a documented switch for that (emitWarningIfUnsupportedVersion in @aws-sdk/core). An explicit setting wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
export {};
