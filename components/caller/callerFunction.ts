// The one recipe for a caller-side Lambda that calls Bedrock through the referenced Bedrock stacks: its log group
// with retention, its role under the trusted path (its logs, the Bedrock roles, and what else it needs), its
// package (only what the runtime lacks: Powertools Metrics, and the token generator for short-term keys),
// BEDROCK_TARGETS and the auth mode. Its metrics are the catalog's (functions/metrics/metricCatalog.ts) under its
// `service` name; `monitored` is what CallerMonitoring needs for its dashboard lines and alarms.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { ServiceName } from "../../functions/metrics/metricCatalog";
import { BedrockAuth, BedrockTargetRef, bedrockAuthPackaging, CallerRole, targetValues } from "./bedrockTargets";
import type { MonitoredFunction } from "./callerMonitoring";
import { logWriteStatement, Statement } from "../shared/iam";
import { logGroupFor, nodeFunction } from "../shared/nodeFunction";

/** Packed with every caller function: Powertools is not part of the nodejs22.x runtime. */
export const METRICS_PACKAGES = ["@aws-lambda-powertools/metrics"];

export interface CallerFunctionArgs<E, R> {
    /** The metrics' `service` dimension and the alarms' name part. */
    service: ServiceName;
    accountId: string;
    rolePath: string;
    targets: BedrockTargetRef[];
    logRetentionDays: number;
    /** SigV4 with the assumed role, or short-term Bedrock API keys made from it (bedrock-bridge:auth). */
    auth?: BedrockAuth;
    callbackFactory: () => (event: E, context: aws.lambda.Context) => Promise<R>;
    description: string;
    roleDescription: string;
    /** Permissions beyond writing its log and assuming the Bedrock roles. */
    statements?: pulumi.Input<Statement>[];
    /** Variables beyond BEDROCK_TARGETS and BEDROCK_AUTH. */
    environment?: Record<string, pulumi.Input<string>>;
    /** The config key each variable comes from, named when the environment is over Lambda's 4 KB. */
    environmentSources?: Record<string, string>;
    memorySize?: number;
    timeoutSeconds?: number;
}

export class CallerFunction<E = unknown, R = unknown> extends pulumi.ComponentResource {
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly role: aws.iam.Role;
    readonly function: aws.lambda.CallbackFunction<E, R>;
    readonly monitored: MonitoredFunction;

    constructor(name: string, args: CallerFunctionArgs<E, R>, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:CallerFunction", name, {}, opts);
        this.logGroup = logGroupFor(name, args.logRetentionDays, this);
        const callerRole = new CallerRole(
            `${name}-role`,
            {
                service: "lambda.amazonaws.com",
                accountId: args.accountId,
                path: args.rolePath,
                targets: args.targets,
                statements: [logWriteStatement(this.logGroup.arn), ...(args.statements ?? [])],
                description: args.roleDescription,
            },
            { parent: this },
        );
        this.role = callerRole.role;
        const auth = bedrockAuthPackaging(args.auth);
        this.function = nodeFunction(
            name,
            {
                callbackFactory: args.callbackFactory,
                role: this.role,
                logGroup: this.logGroup,
                description: args.description,
                memorySize: args.memorySize,
                timeout: args.timeoutSeconds,
                environment: {
                    ...auth.env,
                    BEDROCK_TARGETS: targetValues(args.targets).apply(v => JSON.stringify(v)),
                    ...args.environment,
                },
                environmentSources: {
                    BEDROCK_TARGETS: "bedrock-bridge:bedrockStacks (the referenced stacks' role ARNs and models)",
                    ...args.environmentSources,
                },
                bundle: [...METRICS_PACKAGES, ...(auth.bundle ?? [])],
                bundleSkip: auth.bundleSkip,
            },
            this,
            [callerRole.policy],
        );
        this.monitored = { name: args.service, service: args.service, functionName: this.function.name };
        this.registerOutputs({
            functionName: this.function.name,
            functionArn: this.function.arn,
            roleArn: this.role.arn,
        });
    }
}
