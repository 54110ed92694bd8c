// The environment of a fresh Node process that stands in for the gateway function under nodejs22.x: only the
// runtime's packages on NODE_PATH, fake role credentials, metrics off (no EMF lines in what the test reads).
import { lambdaRuntimeNodePath } from "../../emulation/lambdaRunner";

/** The gateway function's process environment, plus `env` (the function's own, from its plan). */
export const gatewayProcessEnv = (env: Record<string, string>): Record<string, string> => ({
    PATH: process.env.PATH ?? "",
    NODE_PATH: lambdaRuntimeNodePath(),
    AWS_REGION: "ap-northeast-1",
    AWS_ACCESS_KEY_ID: "AKIAFAKELAMBDAROLE01",
    AWS_SECRET_ACCESS_KEY: "fake-lambda-secret",
    AWS_LAMBDA_FUNCTION_NAME: "bedrock-bridge-test-gateway",
    POWERTOOLS_METRICS_DISABLED: "true",
    ...env,
});
