// The stacks that turn every optional feature on, for the suites that must see every policy, resource type and
// data source the program can produce (the policy lint and the deploy policy): one list, so a new feature is added
// once and both suites see it.
import { StackRun } from "../../tools/internal/harness";
import { runBedrock, runCaller } from "./stacks";
import { runGoverned, runTenantCaller } from "./governance";

export const PLAIN_MODEL = "anthropic.claude-3-haiku-20240307-v1:0";

export const EVERY_BEDROCK_FEATURE = {
    "bedrock-bridge:apiKeys": [{ name: "k", expiryDays: 30, managedPolicy: true }],
    "bedrock-bridge:denyLongTermBearerTokens": "true",
    "bedrock-bridge:auditTrail": "true",
    "bedrock-bridge:invocationLogging": true,
    "bedrock-bridge:monitoring": { alarmEmail: "ops@example.com" },
    "bedrock-bridge:allowMarketplace": true,
    "bedrock-bridge:externalId": "e",
    "bedrock-bridge:trustedStateMachineArns": [
        "arn:aws:states:ap-northeast-1:111111111111:stateMachine:bedrock-bridge-caller-sfn-invoker",
    ],
};

export const EVERY_CALLER_FEATURE = {
    "bedrock-bridge:apiGatewayAccount": "manage",
    "bedrock-bridge:stepFunctions": { tracing: true, logLevel: "ALL", includeExecutionData: true },
    "bedrock-bridge:auth": "shortTermKey",
    "bedrock-bridge:monitoring": { alarmEmail: "ops@example.com" },
    "bedrock-bridge:gateway": {
        keys: [{ name: "orders-service", tokensPerMinute: 1000 }, { name: "ci" }],
        waf: { requestsPerIp: 3000 },
    },
    // Attached by the stack (the way that needs rights on the role); the owner-attached default adds only a policy.
    "bedrock-bridge:workloadRoles": {
        roles: ["arn:aws:iam::111111111111:role/bedrock-bridge/team/orders-task"],
        attach: true,
    },
};

/**
 * The example stacks (bedrock, caller, governed with a tenant caller), the same with every optional feature
 * (bedrockFull, callerFull, governedTags), and a plain model id (plainModel).
 */
export async function featureRuns(): Promise<Record<string, StackRun>> {
    const runs: Record<string, StackRun> = {};
    runs.bedrock = await runBedrock();
    runs.caller = await runCaller(runs.bedrock);
    runs.bedrockFull = await runBedrock(EVERY_BEDROCK_FEATURE);
    runs.callerFull = await runCaller(runs.bedrockFull, EVERY_CALLER_FEATURE);
    // The third example stack: tenants with application profiles, a guardrail and a budget with its cut-off action.
    runs.governed = await runGoverned();
    runs.tenantCaller = await runTenantCaller(runs.governed, "support");
    runs.governedTags = await runGoverned({ "bedrock-bridge:activateCostAllocationTags": true });
    runs.plainModel = await runBedrock({ "bedrock-bridge:models": [PLAIN_MODEL] });
    return runs;
}

/**
 * featureRuns, and the documented deploy-policy cases that read or create more: an existing boundary
 * (existingBoundary), none at all (noBoundary).
 */
export async function deployPolicyRuns(): Promise<Record<string, StackRun>> {
    const runs = await featureRuns();
    runs.existingBoundary = await runCaller(runs.bedrock, {
        "bedrock-bridge:permissionsBoundary": "arn:aws:iam::111111111111:policy/org/workload-boundary",
    });
    runs.noBoundary = await runBedrock({ "bedrock-bridge:permissionsBoundary": false });
    return runs;
}
