// Builds one side from the stack's configuration. index.ts hands this to Pulumi; tests and synth call it under mocks.
import * as pulumi from "@pulumi/pulumi";
import {
    BedrockSideConfig,
    CallerSideConfig,
    ConfigError,
    PROJECT,
    readConfig,
    StackConfig,
    toStackConfig,
} from "./config";
import { BedrockTrust, callerProblems, modelProblems, readReferencedStack } from "./config/crossStack";
import { deployedTargetsOutput, rolloutWarnings } from "./config/rollout";
import { CrossAccountBedrockAccess } from "./components/bedrock/crossAccountBedrockAccess";
import { BedrockTargetRef, referenceBedrockStacks, requireAllowedModel } from "./components/caller/bedrockTargets";
import { CrossAccountInvoker } from "./components/caller/crossAccountInvoker";
import { SFN_INVOKER, StepFunctionsInvoker } from "./components/caller/stepFunctionsInvoker";
import { StreamingChatBackend } from "./components/chat/streamingChatBackend";
import { BedrockApiKeys } from "./components/bedrock/bedrockApiKeys";
import { BedrockAuditTrail } from "./components/bedrock/auditTrail";
import { AlarmTopic } from "./components/shared/alarmTopic";
import { BedrockInvocationLogging } from "./components/bedrock/bedrockInvocationLogging";
import { ApplicationProfileRef, BedrockMonitoring } from "./components/bedrock/bedrockMonitoring";
import { CallerMonitoring, MonitoredFunction } from "./components/caller/callerMonitoring";
import { ApiGatewayAccount } from "./components/caller/apiGatewayAccount";
import { BedrockGovernance } from "./components/governance/bedrockGovernance";
import type { GovernanceConfig } from "./config/governance";
import { PermissionsBoundary, withBoundary } from "./components/shared/permissionsBoundary";
import { WorkloadGateway } from "./components/gateway/workloadGateway";
import { WorkloadRoleGrants } from "./components/caller/workloadRoles";
import { workloadRoleArns } from "./config/schema";

/**
 * Options for every top-level component: each role created under it carries the stack's permissions boundary
 * (bedrock-bridge:permissionsBoundary: its own policy by default, an existing one, or none).
 */
function boundaryOptions(cfg: StackConfig): pulumi.ComponentResourceOptions {
    const b = cfg.permissionsBoundary ?? true;
    if (b === false) return {};
    return withBoundary(
        typeof b === "string"
            ? b
            : new PermissionsBoundary("permissions-boundary", { accountId: cfg.accountId, region: cfg.region }).arn,
    );
}

/** With bedrock-bridge:tenants: a role, profiles, guardrail and budget per tenant, and no stack-wide role. */
function governedBedrockSide(
    cfg: BedrockSideConfig & { governance: GovernanceConfig },
    opts: pulumi.ComponentResourceOptions,
): Record<string, unknown> {
    const gov = new BedrockGovernance(
        "governance",
        {
            governance: cfg.governance,
            accountId: cfg.accountId,
            region: cfg.region,
            models: cfg.models,
            maxSessionDurationSeconds: cfg.maxSessionDurationSeconds,
            shortTermKeys: cfg.shortTermKeys,
        },
        opts,
    );
    return {
        allowedModelIds: [...new Set(cfg.governance.tenants.flatMap(t => t.models))],
        tenants: gov.output,
        // Tenants call only through their application profiles: those are what Bedrock's metrics name.
        ...bedrockAccountWide(
            cfg,
            [],
            cfg.governance.tenants.flatMap(t =>
                gov.tenants[t.name].profiles.map((p, i) => ({
                    tenant: t.name,
                    modelId: t.models[i],
                    profileArn: p.arn,
                })),
            ),
            opts,
        ),
    };
}

/** The outputs, audit trail, invocation logging, dashboard and throttle alarm: the same with or without tenants. */
function bedrockAccountWide(
    cfg: BedrockSideConfig,
    models: string[],
    profiles: ApplicationProfileRef[] = [],
    opts: pulumi.ComponentResourceOptions = {},
): Record<string, unknown> {
    const trail =
        cfg.auditTrail &&
        new BedrockAuditTrail("audit", { accountId: cfg.accountId, region: cfg.region, ...cfg.auditTrail });
    const invocationLogs =
        cfg.invocationLogging &&
        new BedrockInvocationLogging(
            "invocation-logging",
            { accountId: cfg.accountId, region: cfg.region, ...cfg.invocationLogging },
            opts,
        );
    const alarms =
        cfg.monitoring &&
        new AlarmTopic("monitoring", { accountId: cfg.accountId, alarmEmail: cfg.monitoring.alarmEmail });
    const monitoring =
        cfg.monitoring &&
        alarms &&
        new BedrockMonitoring("monitoring", {
            region: cfg.region,
            models,
            profiles,
            alarmTopicArn: alarms.topic.arn,
            dashboard: cfg.monitoring.dashboard,
        });
    return {
        side: "bedrock",
        region: cfg.region,
        accountId: cfg.accountId,
        callerRolePath: cfg.callerRolePath,
        shortTermKeys: cfg.shortTermKeys,
        ...(trail ? { auditTrailArn: trail.trail.arn, auditBucket: trail.bucket.id } : {}),
        ...(invocationLogs ? { invocationLogGroup: invocationLogs.logGroup.name } : {}),
        ...(alarms ? { alarmTopicArn: alarms.topic.arn } : {}),
        ...(monitoring && monitoring.dashboard ? { dashboardName: monitoring.dashboard.dashboardName } : {}),
    };
}

export function bedrockSide(cfg: BedrockSideConfig): Record<string, unknown> {
    const opts = boundaryOptions(cfg);
    if (cfg.governance) return governedBedrockSide({ ...cfg, governance: cfg.governance }, opts);
    const access = new CrossAccountBedrockAccess(
        "bedrock-access",
        {
            accountId: cfg.accountId,
            region: cfg.region,
            callerAccountIds: cfg.callerAccountIds,
            callerRolePath: cfg.callerRolePath,
            trustedPrincipalArns: cfg.trustedPrincipalArns,
            models: cfg.models,
            roleName: cfg.roleName,
            externalId: cfg.externalId,
            trustedStateMachineArns: cfg.trustedStateMachineArns,
            maxSessionDurationSeconds: cfg.maxSessionDurationSeconds,
            allowMarketplace: cfg.allowMarketplace,
        },
        opts,
    );
    const keys = new BedrockApiKeys(
        "api-keys",
        {
            region: cfg.region,
            keys: cfg.apiKeys,
            modelStatements: access.modelStatements,
            executionRole: access.role,
            shortTermKeys: cfg.shortTermKeys,
            denyLongTermBearerTokens: cfg.denyLongTermBearerTokens,
        },
        // The key users hold Bedrock credentials of their own: bounded like the roles.
        opts,
    );
    return {
        roleArn: access.roleArn,
        roleName: access.role.name,
        allowedModelIds: access.allowedModelIds,
        // What this stack trusts, so each caller stack can check at preview that it is trusted (config/crossStack.ts).
        trust: {
            callerAccountIds: cfg.callerAccountIds,
            callerRolePath: cfg.callerRolePath,
            ...(cfg.trustedPrincipalArns ? { trustedPrincipalArns: cfg.trustedPrincipalArns } : {}),
        } satisfies BedrockTrust,
        ...(cfg.externalId ? { externalId: cfg.externalId } : {}),
        ...(cfg.trustedStateMachineArns.length ? { trustedStateMachineArns: cfg.trustedStateMachineArns } : {}),
        ...(cfg.apiKeys.length ? { apiKeys: keys.keys, apiKeySecrets: keys.secrets } : {}),
        ...(keys.denyLongTermPolicy
            ? { denyLongTermKeysPolicyArn: keys.denyLongTermPolicy.arn, denyLongTermKeysScp: keys.denyLongTermScp }
            : {}),
        ...bedrockAccountWide(cfg, cfg.models, [], opts),
    };
}

export function callerSide(
    cfg: CallerSideConfig,
    targets: BedrockTargetRef[] = referenceBedrockStacks(cfg.bedrockStacks, undefined, cfg.tenant, {
        accountId: cfg.accountId,
        rolePath: cfg.rolePath,
    }),
): Record<string, unknown> {
    const defaultModelId = cfg.defaultModelId
        ? requireAllowedModel(targets, cfg.defaultModelId, "bedrock-bridge:defaultModelId")
        : targets[0].allowedModelIds.apply(m => m[0]);
    const outputs: Record<string, unknown> = {
        side: "caller",
        region: cfg.region,
        accountId: cfg.accountId,
        bedrockRoleArns: pulumi.all(targets.map(t => t.roleArn)),
        // What this stack took from each Bedrock stack: its next preview says when those moved on (config/rollout.ts).
        bedrockTargets: deployedTargetsOutput(targets),
        ...(cfg.tenant ? { tenant: cfg.tenant } : {}),
        defaultModelId,
    };
    const opts = boundaryOptions(cfg);
    const monitored: MonitoredFunction[] = [];
    let stateMachineArn: pulumi.Output<string> | undefined;
    if (cfg.invoker.enabled) {
        const invoker = new CrossAccountInvoker(
            "invoker",
            {
                accountId: cfg.accountId,
                rolePath: cfg.rolePath,
                targets,
                defaultModelId,
                logRetentionDays: cfg.logRetentionDays,
                memorySize: cfg.invoker.memorySize,
                timeoutSeconds: cfg.invoker.timeoutSeconds,
                maxTokens: cfg.invoker.maxTokens,
                maxTokensLimit: cfg.invoker.maxTokensLimit,
                auth: cfg.auth,
            },
            opts,
        );
        outputs.invokerFunctionName = invoker.function.name;
        outputs.invokerFunctionArn = invoker.function.arn;
        outputs.invokerRoleArn = invoker.role.arn;
        monitored.push(invoker.monitored);
    }
    if (cfg.stepFunctions.enabled) {
        const sfn = new StepFunctionsInvoker(
            SFN_INVOKER,
            {
                accountId: cfg.accountId,
                region: cfg.region,
                rolePath: cfg.rolePath,
                targets,
                defaultModelId,
                logRetentionDays: cfg.logRetentionDays,
                settings: cfg.stepFunctions,
            },
            opts,
        );
        outputs.stateMachineArn = sfn.stateMachine.arn;
        outputs.stateMachineRoleArn = sfn.role.arn;
        outputs.stateMachineLogGroup = sfn.logGroup.name;
        stateMachineArn = sfn.stateMachine.arn;
    }
    const apiGateway =
        cfg.apiGatewayAccount === "manage"
            ? new ApiGatewayAccount("apigateway-account", { accountId: cfg.accountId, region: cfg.region }, opts)
            : undefined;
    if (apiGateway) outputs.apiGatewayCloudWatchRoleArn = apiGateway.role.arn;
    // Stage access logs (chat API, gateway) need the account setting: managed here, said to exist, or off.
    const accessLogs = apiGateway ? { after: apiGateway.account } : cfg.apiGatewayAccount === "existing";
    if (cfg.chat) {
        const chat = new StreamingChatBackend(
            "chat",
            {
                accountId: cfg.accountId,
                region: cfg.region,
                rolePath: cfg.rolePath,
                targets,
                modelId: cfg.chat.modelId
                    ? requireAllowedModel(targets, cfg.chat.modelId, "bedrock-bridge:chat.modelId")
                    : defaultModelId,
                logRetentionDays: cfg.logRetentionDays,
                chat: cfg.chat,
                auth: cfg.auth,
                accessLogs,
            },
            opts,
        );
        outputs.chatRestEndpoint = chat.restEndpoint;
        outputs.chatEventsHttpEndpoint = chat.httpEndpoint;
        outputs.chatEventsRealtimeEndpoint = chat.realtimeEndpoint;
        outputs.chatNamespace = cfg.chat.namespace;
        outputs.chatUserPoolId = chat.userPoolId;
        outputs.chatUserPoolClientId = chat.userPoolClientId;
        outputs.chatRelayFunctionName = chat.function.name;
        // The request model's limits, so clients (client/, the CLI, the page) keep history within them.
        outputs.chatLimits = {
            minPromptChars: cfg.chat.minPromptChars,
            maxPromptChars: cfg.chat.maxPromptChars,
            maxPriorTurns: cfg.chat.maxPriorTurns,
            maxTurnChars: cfg.chat.maxTurnChars,
        };
        monitored.push(chat.monitored);
    }
    if (cfg.gateway) {
        const gateway = new WorkloadGateway(
            "gateway",
            {
                accountId: cfg.accountId,
                region: cfg.region,
                rolePath: cfg.rolePath,
                targets,
                logRetentionDays: cfg.logRetentionDays,
                auth: cfg.auth,
                gateway: cfg.gateway,
                accessLogs,
            },
            opts,
        );
        outputs.gatewayUrl = gateway.url;
        outputs.gatewayKeys = gateway.keyValues;
        outputs.gatewayFunctionName = gateway.function.name;
        monitored.push(...gateway.monitored);
    }
    if (cfg.workloadRoles.length) {
        const grants = new WorkloadRoleGrants("workload-roles", {
            roleArns: cfg.workloadRoles,
            targets,
            region: cfg.region,
            attach: cfg.workloadRolesAttach,
        });
        outputs.workloadRoleArns = cfg.workloadRoles;
        // What the roles' owners attach (or what the stack attached, with workloadRoles.attach).
        outputs.workloadPolicyArn = grants.policy.arn;
    }
    if (cfg.monitoring) {
        const alarms = new AlarmTopic("monitoring", {
            accountId: cfg.accountId,
            alarmEmail: cfg.monitoring.alarmEmail,
        });
        const monitoring = new CallerMonitoring("monitoring", {
            region: cfg.region,
            functions: monitored,
            stateMachineArn,
            alarmTopicArn: alarms.topic.arn,
            dashboard: cfg.monitoring.dashboard,
        });
        outputs.alarmTopicArn = alarms.topic.arn;
        if (monitoring.dashboard) outputs.dashboardName = monitoring.dashboard.dashboardName;
    }
    return outputs;
}

/**
 * The program: reads config once, adds what only the referenced stacks and Bedrock can tell (trust, allowed and
 * existing models), fails with every problem at once, or builds the configured side and returns its outputs.
 */
export async function main(): Promise<Record<string, unknown>> {
    const read = readConfig();
    const cfg = toStackConfig(read);
    const problems = [...read.problems];
    const v = read.values;
    let targets: BedrockTargetRef[] | undefined;
    if (read.side === "caller" && v.bedrockStacks) {
        const caller = { accountId: read.aws.allowedAccountIds?.[0] ?? "", rolePath: v.rolePath! };
        targets = referenceBedrockStacks(v.bedrockStacks, undefined, v.tenant, caller.accountId ? caller : undefined);
        const stacks = await Promise.all(targets.map(t => readReferencedStack(t.stackName, t.reference)));
        const models = [
            ...(v.defaultModelId ? [{ key: `${PROJECT}:defaultModelId`, id: v.defaultModelId }] : []),
            ...(v.chat?.modelId && v.chat.enabled ? [{ key: `${PROJECT}:chat.modelId`, id: v.chat.modelId }] : []),
        ];
        problems.push(
            ...callerProblems(
                {
                    accountId: read.aws.allowedAccountIds?.[0],
                    region: read.aws.region,
                    rolePath: v.rolePath,
                    models,
                    stepFunctions: v.stepFunctions?.enabled,
                    tenant: v.tenant,
                    ...(v.gateway && v.gateway.enabled !== false ? { gateway: v.gateway } : {}),
                    workloadRoles: workloadRoleArns(v.workloadRoles),
                },
                stacks,
            ),
        );
        // A Bedrock-side change this stack has not caught up with: a warning (the Bedrock side keeps the old working
        // for a while), unless the stack has problems anyway.
        if (!problems.length) for (const w of await rolloutWarnings(stacks, v.tenant)) void pulumi.log.warn(w);
    }
    if (read.side === "bedrock" && v.models && read.aws.region)
        problems.push(...(await modelProblems(read.aws.region, v.models)));
    if (problems.length || !cfg) throw new ConfigError(problems.filter((p, i) => problems.indexOf(p) === i));
    return cfg.side === "bedrock" ? bedrockSide(cfg) : callerSide(cfg, targets);
}
