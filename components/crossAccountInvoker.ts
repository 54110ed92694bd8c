// Caller side: a Lambda that calls Converse in the Bedrock account through its role (seed 001, done right).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { createInvokerHandler } from "../functions/invoker";
import { DEFAULT_MAX_TOKENS, DEFAULT_MAX_TOKENS_LIMIT } from "../functions/limits";
import { BedrockAuth, BedrockTargetRef, bedrockAuthPackaging, CallerRole, targetValues } from "./bedrockTargets";
import { logWriteStatement } from "./iam";
import { logGroupFor, nodeFunction } from "./nodeFunction";

export interface CrossAccountInvokerArgs {
    accountId: string;
    rolePath: string;
    targets: BedrockTargetRef[];
    defaultModelId: pulumi.Input<string>;
    logRetentionDays: number;
    memorySize?: number;
    timeoutSeconds?: number;
    /** maxTokens sent when an event gives none, and the largest an event may ask for (defaults: functions/limits.ts). */
    maxTokens?: number;
    maxTokensLimit?: number;
    /** SigV4 with the assumed role, or short-term Bedrock API keys made from it (bedrock-bridge:auth). */
    auth?: BedrockAuth;
}

export class CrossAccountInvoker extends pulumi.ComponentResource {
    readonly function: aws.lambda.CallbackFunction<any, any>;
    readonly role: aws.iam.Role;
    readonly logGroup: aws.cloudwatch.LogGroup;

    constructor(name: string, args: CrossAccountInvokerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:CrossAccountInvoker", name, {}, opts);
        this.logGroup = logGroupFor(name, args.logRetentionDays, this);
        const callerRole = new CallerRole(`${name}-role`, {
            service: "lambda.amazonaws.com",
            accountId: args.accountId,
            path: args.rolePath,
            targets: args.targets,
            statements: [logWriteStatement(this.logGroup.arn)],
            description: "bedrock-bridge invoker: writes its logs and assumes the Bedrock account's role",
        }, { parent: this });
        this.role = callerRole.role;

        const auth = bedrockAuthPackaging(args.auth);
        this.function = nodeFunction(name, {
            callbackFactory: () => createInvokerHandler(),
            role: this.role,
            logGroup: this.logGroup,
            description: "bedrock-bridge: Converse in the Bedrock account through its role",
            memorySize: args.memorySize,
            timeout: args.timeoutSeconds,
            environment: {
                BEDROCK_TARGETS: targetValues(args.targets).apply(v => JSON.stringify(v)),
                DEFAULT_MODEL_ID: args.defaultModelId,
                MAX_TOKENS: String(args.maxTokens ?? DEFAULT_MAX_TOKENS),
                MAX_TOKENS_LIMIT: String(args.maxTokensLimit ?? DEFAULT_MAX_TOKENS_LIMIT),
                ...auth.env,
            },
            environmentSources: { BEDROCK_TARGETS: "bedrock-bridge:bedrockStacks (the referenced stacks' role ARNs and models)", DEFAULT_MODEL_ID: "bedrock-bridge:defaultModelId" },
            bundle: auth.bundle,
            bundleSkip: auth.bundleSkip,
        }, this, [callerRole.policy]);
        this.registerOutputs({ functionName: this.function.name, functionArn: this.function.arn, roleArn: this.role.arn });
    }
}
