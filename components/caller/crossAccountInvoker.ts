// Caller side: a Lambda that calls Converse in the Bedrock account through its role (seed 001, done right).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { createInvokerHandler, type InvokerEvent, type InvokerResult } from "../../functions/invoker";
import { DEFAULT_MAX_TOKENS, DEFAULT_MAX_TOKENS_LIMIT } from "../../functions/bedrock/limits";
import type { BedrockAuth, BedrockTargetRef } from "./bedrockTargets";
import { CallerFunction } from "./callerFunction";
import type { MonitoredFunction } from "./callerMonitoring";

export interface CrossAccountInvokerArgs {
    accountId: string;
    rolePath: string;
    targets: BedrockTargetRef[];
    defaultModelId: pulumi.Input<string>;
    logRetentionDays: number;
    memorySize?: number;
    timeoutSeconds?: number;
    /** maxTokens sent when an event gives none, and the largest an event may ask for (defaults: functions/bedrock/limits.ts). */
    maxTokens?: number;
    maxTokensLimit?: number;
    /** SigV4 with the assumed role, or short-term Bedrock API keys made from it (bedrock-bridge:auth). */
    auth?: BedrockAuth;
}

export class CrossAccountInvoker extends pulumi.ComponentResource {
    readonly function: aws.lambda.CallbackFunction<InvokerEvent, InvokerResult>;
    readonly role: aws.iam.Role;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly monitored: MonitoredFunction;

    constructor(name: string, args: CrossAccountInvokerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:CrossAccountInvoker", name, {}, opts);
        const fn = new CallerFunction(
            name,
            {
                service: "invoker",
                accountId: args.accountId,
                rolePath: args.rolePath,
                targets: args.targets,
                logRetentionDays: args.logRetentionDays,
                auth: args.auth,
                callbackFactory: () => createInvokerHandler(),
                description: "bedrock-bridge: Converse in the Bedrock account through its role",
                roleDescription: "bedrock-bridge invoker: writes its logs and assumes the Bedrock account's role",
                memorySize: args.memorySize,
                timeoutSeconds: args.timeoutSeconds,
                environment: {
                    DEFAULT_MODEL_ID: args.defaultModelId,
                    MAX_TOKENS: String(args.maxTokens ?? DEFAULT_MAX_TOKENS),
                    MAX_TOKENS_LIMIT: String(args.maxTokensLimit ?? DEFAULT_MAX_TOKENS_LIMIT),
                },
                environmentSources: { DEFAULT_MODEL_ID: "bedrock-bridge:defaultModelId" },
            },
            { parent: this },
        );
        this.function = fn.function;
        this.role = fn.role;
        this.logGroup = fn.logGroup;
        this.monitored = fn.monitored;
        this.registerOutputs({
            functionName: this.function.name,
            functionArn: this.function.arn,
            roleArn: this.role.arn,
        });
    }
}
