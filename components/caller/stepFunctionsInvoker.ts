// Caller side: a JSONata state machine that calls Bedrock Converse with the Bedrock account's role (seed 000,
// with logging at the state-machine level, where Step Functions reads it, and validated input).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { requestMetadata } from "../../functions/bedrock/requestMetadata";
import { StepFunctionsConfig } from "../../config";
import { BedrockTargetRef, CallerRole, targetValues } from "./bedrockTargets";
import { LOG_DELIVERY_ACTIONS, Statement, XRAY_ACTIONS, logWriteStatement, partitionOf } from "../shared/iam";
import { buildDefinition } from "./stateMachineDefinition";
import { previewError } from "../shared/previewError";

export interface StepFunctionsInvokerArgs {
    accountId: string;
    /** The caller stack's aws:region: the SDK integration calls Bedrock here. */
    region: string;
    rolePath: string;
    /** Bedrock stacks in priority order; each becomes one Task of the chain. */
    targets: BedrockTargetRef[];
    defaultModelId: pulumi.Input<string>;
    logRetentionDays: number;
    settings: StepFunctionsConfig;
    /** Defaults to bedrock-bridge-<stack>-<name>. */
    stateMachineName?: string;
}

export function stateMachineName(name: string): string {
    return `bedrock-bridge-${pulumi.getStack()}-${name}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 80);
}

/** The invoker's state machine ARN, known before it exists (its name is fixed): the trust and the checks name it. */
export function stateMachineArnFor(name: string, region: string, accountId: string): string {
    return `arn:${partitionOf(region)}:states:${region}:${accountId}:stateMachine:${stateMachineName(name)}`;
}

/** The state machine of the caller program (program.ts names it "sfn-invoker"). */
export const SFN_INVOKER = "sfn-invoker";

export interface StepFunctionsTarget {
    stackName: string;
    region: string;
    externalId?: string;
    /** The Bedrock stack's bedrock-bridge:trustedStateMachineArns. */
    trustedStateMachineArns?: string[];
}

/**
 * Preview-time checks of a referenced stack for the state machine; each message says what to change. The program
 * runs them with the other cross-stack checks (config/crossStack.ts), so they join the one list of problems.
 */
export function stepFunctionsTargetProblems(region: string, stateMachineArn: string, t: StepFunctionsTarget): string[] {
    const problems: string[] = [];
    if (t.region !== region) {
        problems.push(
            `Bedrock stack ${t.stackName} is in ${t.region}, but this caller stack deploys to ${region}: a Step Functions task calls Bedrock in the state machine's own region. Set aws:region of this stack to ${t.region}, reference a Bedrock stack deployed in ${region} in bedrock-bridge:bedrockStacks, or set bedrock-bridge:stepFunctions {enabled: false}.`,
        );
    }
    // Step Functions sends the state machine's ARN as sts:ExternalId (see trustPolicy in crossAccountBedrockAccess.ts).
    if (t.externalId && !(t.trustedStateMachineArns ?? []).includes(stateMachineArn)) {
        problems.push(
            `Bedrock stack ${t.stackName} requires an external id (its bedrock-bridge:externalId). A Step Functions task sends its state machine's ARN as sts:ExternalId, never a chosen one: add "${stateMachineArn}" to bedrock-bridge:trustedStateMachineArns of stack ${t.stackName} and pulumi up there first, or set bedrock-bridge:stepFunctions {enabled: false} here.`,
        );
    }
    return problems;
}

function checkTargets(region: string, stateMachineArn: string, t: StepFunctionsTarget): void {
    const problems = stepFunctionsTargetProblems(region, stateMachineArn, t);
    if (problems.length) throw previewError(problems.join("\n"));
}

export class StepFunctionsInvoker extends pulumi.ComponentResource {
    readonly stateMachine: aws.sfn.StateMachine;
    readonly role: aws.iam.Role;
    readonly logGroup: aws.cloudwatch.LogGroup;

    constructor(name: string, args: StepFunctionsInvokerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:StepFunctionsInvoker", name, {}, opts);
        const s = args.settings;
        const smName = args.stateMachineName ?? stateMachineName(name);
        // Known before creation, so the role's trust can name it without a dependency cycle.
        const smArn = `arn:${partitionOf(args.region)}:states:${args.region}:${args.accountId}:stateMachine:${smName}`;

        // /aws/vendedlogs/ keeps CloudWatch's log resource policy small when many services deliver logs.
        this.logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                name: `/aws/vendedlogs/states/bedrock-bridge/${pulumi.getStack()}/${name}`,
                retentionInDays: args.logRetentionDays,
            },
            { parent: this },
        );

        const statements: pulumi.Input<Statement>[] = [
            { Sid: "DeliverLogs", Effect: "Allow", Action: LOG_DELIVERY_ACTIONS, Resource: "*" },
            logWriteStatement(this.logGroup.arn),
        ];
        if (s.tracing) statements.push({ Sid: "Tracing", Effect: "Allow", Action: XRAY_ACTIONS, Resource: "*" });
        const callerRole = new CallerRole(
            `${name}-role`,
            {
                service: "states.amazonaws.com",
                accountId: args.accountId,
                path: args.rolePath,
                targets: args.targets,
                sourceArn: smArn,
                statements,
                description: "bedrock-bridge state machine: delivers its logs and assumes the Bedrock account's role",
            },
            { parent: this },
        );
        this.role = callerRole.role;

        const definition = pulumi
            .all([
                targetValues(args.targets),
                args.defaultModelId,
                pulumi.all(args.targets.map(t => t.trustedStateMachineArns)),
            ])
            .apply(([values, defaultModelId, machines]) => {
                values.forEach((v, i) =>
                    checkTargets(args.region, smArn, {
                        ...v,
                        trustedStateMachineArns: machines[i],
                        stackName: args.targets[i].stackName,
                    }),
                );
                // A model must be callable on every target, since a throttled request moves on to the next.
                const allowed = values.map(v => v.models).reduce((a, b) => a.filter(m => b.includes(m)));
                if (!allowed.includes(defaultModelId)) {
                    throw previewError(
                        `bedrock-bridge:defaultModelId "${defaultModelId}" is not allowed by every Bedrock stack the state machine uses (${args.targets.map(t => t.stackName).join(", ")}); allowed by all: ${allowed.join(", ") || "none"}. Add it to bedrock-bridge:models there or pick one of these.`,
                    );
                }
                return JSON.stringify(
                    buildDefinition({
                        targets: values.map((v, i) => ({
                            roleArn: v.roleArn,
                            accountId: v.accountId,
                            region: v.region,
                            label: `${args.targets[i].stackName} (${v.accountId}, ${v.region}${v.tenant ? `, tenant ${v.tenant}` : ""})`,
                            ...(v.tenant ? { tenant: v.tenant, profiles: v.profiles, guardrail: v.guardrail } : {}),
                        })),
                        allowedModelIds: allowed,
                        defaultModelId,
                        maxTokens: s.maxTokens,
                        maxTokensLimit: s.maxTokensLimit,
                        temperature: s.temperature,
                        retry: s.retry,
                        requestMetadata: requestMetadata({
                            caller: "stateMachine",
                            account: args.accountId,
                            tenant: values[0]?.tenant,
                        }),
                    }),
                    null,
                    2,
                );
            });

        this.stateMachine = new aws.sfn.StateMachine(
            name,
            {
                name: smName,
                type: s.type,
                roleArn: this.role.arn,
                definition,
                loggingConfiguration: {
                    logDestination: pulumi.interpolate`${this.logGroup.arn}:*`,
                    level: s.logLevel,
                    includeExecutionData: s.includeExecutionData,
                },
                tracingConfiguration: { enabled: s.tracing },
                // Step Functions checks at creation that the role may deliver the logs: the policy must exist first.
            },
            {
                parent: this,
                dependsOn: [callerRole.policy],
                // `type` forces a replacement (terraform-provider-aws internal/service/sfn/state_machine.go: ForceNew)
                // and the name stays: Bedrock stacks trust this ARN (trustedStateMachineArns). Created before the old
                // one was deleted, it would fail with StateMachineAlreadyExists; the provider waits for the deletion
                // and retries StateMachineDeleting, so delete first.
                deleteBeforeReplace: true,
            },
        );

        this.registerOutputs({
            stateMachineArn: this.stateMachine.arn,
            roleArn: this.role.arn,
            logGroupName: this.logGroup.name,
        });
    }
}
