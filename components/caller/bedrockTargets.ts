// Caller side: the referenced Bedrock stack(s) and the caller roles that may assume their execution role.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { Statement, policyJson, serviceTrust, stackResourceName } from "../shared/iam";
import { previewError } from "../shared/previewError";
import type { GuardrailRef } from "../governance/governancePolicies";
import type { TenantOutput } from "../governance/tenantAccess";
import { CallerIdentity, selectTenant, TenantSelection } from "./tenantTargets";

/** One referenced Bedrock stack, as its outputs describe it. */
export interface BedrockTargetRef {
    /** As configured (messages use it); `reference` reads the stack by its full org/project/stack name. */
    stackName: string;
    reference: pulumi.StackReference;
    roleArn: pulumi.Output<string>;
    region: pulumi.Output<string>;
    accountId: pulumi.Output<string>;
    allowedModelIds: pulumi.Output<string[]>;
    externalId: pulumi.Output<string | undefined>;
    /** State machines the Bedrock stack trusts with their ARN as external id (bedrock-bridge:trustedStateMachineArns). */
    trustedStateMachineArns: pulumi.Output<string[] | undefined>;
    /** With tenants: the tenant, its application profile per model id, its enforced guardrail. */
    tenant: pulumi.Output<TenantSelection>;
}

/** The plain values a function receives (BEDROCK_TARGETS), in priority order. */
export interface BedrockTargetValue {
    roleArn: string;
    region: string;
    accountId: string;
    models: string[];
    externalId?: string;
    tenant?: string;
    /** Model id -> the tenant's application inference profile ARN that the function calls instead. */
    profiles?: Record<string, string>;
    guardrail?: GuardrailRef;
}

/**
 * A full stack name for a StackReference. Bare names (`bedrock`) resolve against the token's default organization,
 * which need not be the one the workflows deploy to, so they get this stack's organization and project;
 * `project/stack` gets the organization; `org/project/stack` stays as written.
 */
export function qualifyStackName(name: string): string {
    const parts = name.split("/");
    if (parts.length === 3) return name;
    if (parts.length === 2) return `${pulumi.getOrganization()}/${name}`;
    return `${pulumi.getOrganization()}/${pulumi.getProject()}/${name}`;
}

/** A StackReference per Bedrock stack; missing outputs fail with the command that produces them. */
export function referenceBedrockStacks(
    stackNames: string[],
    opts?: pulumi.CustomResourceOptions,
    tenant?: string,
    caller?: CallerIdentity,
): BedrockTargetRef[] {
    return stackNames.map(stackName => {
        const ref = new pulumi.StackReference(stackName, { name: qualifyStackName(stackName) }, opts);
        const need = (key: string) =>
            ref.getOutput(key).apply((v: unknown) => {
                if (v === undefined || v === null) {
                    throw previewError(
                        `stack ${stackName} has no output "${key}": deploy the Bedrock side first (pulumi up -s ${stackName.split("/").pop()}) or fix bedrock-bridge:bedrockStacks`,
                    );
                }
                return v;
            });
        // The stack-wide role, or the tenant's (bedrock-bridge:tenant) when the stack has tenants.
        const selection = pulumi
            .all([ref.getOutput("roleArn"), ref.getOutput("allowedModelIds"), ref.getOutput("tenants")])
            .apply(([roleArn, allowedModelIds, tenants]: [string?, string[]?, Record<string, TenantOutput>?]) =>
                selectTenant(stackName, { roleArn, allowedModelIds, tenants }, tenant, caller),
            );
        return {
            stackName,
            reference: ref,
            roleArn: selection.apply(s => s.roleArn),
            region: need("region") as pulumi.Output<string>,
            accountId: need("accountId") as pulumi.Output<string>,
            allowedModelIds: selection.apply(s => s.models),
            externalId: ref.getOutput("externalId") as pulumi.Output<string | undefined>,
            trustedStateMachineArns: ref.getOutput("trustedStateMachineArns") as pulumi.Output<string[] | undefined>,
            tenant: selection,
        };
    });
}

export function targetValues(targets: BedrockTargetRef[]): pulumi.Output<BedrockTargetValue[]> {
    return pulumi.all(
        targets.map(t =>
            pulumi
                .all([t.roleArn, t.region, t.accountId, t.allowedModelIds, t.externalId, t.tenant])
                .apply(([roleArn, region, accountId, models, externalId, sel]) => ({
                    roleArn,
                    region,
                    accountId,
                    models,
                    ...(externalId ? { externalId } : {}),
                    ...(sel.tenant
                        ? {
                              tenant: sel.tenant,
                              profiles: sel.profiles,
                              ...(sel.guardrail ? { guardrail: sel.guardrail } : {}),
                          }
                        : {}),
                })),
        ),
    );
}

/** sts:AssumeRole on exactly the referenced roles, nothing else. */
export function assumeBedrockRoleStatement(targets: BedrockTargetRef[]): pulumi.Output<Statement> {
    return pulumi.all(targets.map(t => t.roleArn)).apply(arns => ({
        Sid: "AssumeBedrockAccountRole",
        Effect: "Allow" as const,
        Action: "sts:AssumeRole",
        Resource: [...new Set(arns)],
    }));
}

/** Fails preview when a model is not allowed by any referenced Bedrock stack. */
export function requireAllowedModel(targets: BedrockTargetRef[], modelId: string, key: string): pulumi.Output<string> {
    return pulumi.all(targets.map(t => t.allowedModelIds)).apply(lists => {
        const allowed = [...new Set(lists.flat())];
        if (!allowed.includes(modelId)) {
            throw previewError(
                `${key} "${modelId}" is not allowed by the referenced Bedrock stack(s) ${targets.map(t => t.stackName).join(", ")}; allowed: ${allowed.join(", ")}. Add it to bedrock-bridge:models there or pick one of these.`,
            );
        }
        return modelId;
    });
}

export interface CallerRoleArgs {
    /** Service principal that assumes the role, e.g. lambda.amazonaws.com. */
    service: string;
    accountId: string;
    /** IAM path the Bedrock stack trusts, e.g. "/bedrock-bridge/". */
    path: string;
    targets: BedrockTargetRef[];
    /** aws:SourceArn for the service trust where the service sends one (Step Functions does). */
    sourceArn?: pulumi.Input<string>;
    /** Further statements (logs, publishing) besides assuming the Bedrock role. */
    statements?: pulumi.Input<Statement>[];
    description: string;
}

/** A caller-side role under the agreed path, allowed to assume exactly the referenced Bedrock role(s). */
export class CallerRole extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly policy: aws.iam.RolePolicy;

    constructor(name: string, args: CallerRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:CallerRole", name, {}, opts);
        this.role = new aws.iam.Role(
            name,
            {
                name: stackResourceName(name, { max: 64, global: true }),
                path: args.path,
                description: args.description,
                assumeRolePolicy: serviceTrust(args.service, args.accountId, args.sourceArn),
            },
            { parent: this },
        );
        this.policy = new aws.iam.RolePolicy(
            name,
            {
                role: this.role.id,
                name: "bedrock-bridge",
                policy: policyJson([assumeBedrockRoleStatement(args.targets), ...(args.statements ?? [])]),
            },
            { parent: this },
        );
        this.registerOutputs({ roleArn: this.role.arn });
    }
}

export type BedrockAuth = "sigv4" | "shortTermKey";

/**
 * What a function needs for its Bedrock authentication (bedrock-bridge:auth): the BEDROCK_AUTH variable, and for
 * short-term keys AWS's generator, which the Lambda runtime does not ship (loaded lazily, so SigV4 packages stay
 * without it; its default-credential helpers are never loaded).
 */
export function bedrockAuthPackaging(auth: BedrockAuth = "sigv4"): {
    env: { BEDROCK_AUTH: BedrockAuth };
    bundle?: string[];
    bundleSkip?: string[];
} {
    return {
        env: { BEDROCK_AUTH: auth },
        ...(auth === "shortTermKey"
            ? {
                  bundle: ["@aws/bedrock-token-generator"],
                  bundleSkip: [
                      "@aws-sdk/credential-providers",
                      "@smithy/node-config-provider",
                      "@smithy/config-resolver",
                      "@smithy/invalid-dependency",
                  ],
              }
            : {}),
    };
}
