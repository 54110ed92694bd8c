// Bedrock account side: one tenant. Its own role (trusted only by its callers), one tagged application inference
// profile per allowed model (cost per tenant in Cost Explorer and CUR), invoke only through those profiles,
// optionally forced through a guardrail and cut off by its budget.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as crypto from "crypto";
import { isInferenceProfileId } from "../../config";
import { TenantConfig } from "../../config/governance";
import { SHORT_TERM_BEARER } from "../bedrock/bedrockApiKeys";
import type { ProfileRoute } from "../bedrock/crossAccountBedrockAccess";
import { partitionOf, policy, policyJson } from "../shared/iam";
import {
    GuardrailRef,
    TenantProfileRoute,
    TenantTrust,
    tenantInvokeStatements,
    tenantTrustPolicy,
} from "./governancePolicies";
import { TenantBudget } from "./tenantBudget";

export interface TenantAccessArgs {
    tenant: TenantConfig;
    accountId: string;
    region: string;
    /** getInferenceProfile answers of the stack's system profiles (CrossAccountBedrockAccess.profileRoutes). */
    systemRoutes: pulumi.Output<ProfileRoute[]>;
    guardrail?: pulumi.Output<GuardrailRef>;
    maxSessionDurationSeconds?: number;
    shortTermKeys?: boolean;
    /** The tenant's models at the stack's last update, in their order then (absent: a first deployment). */
    previousModels?: pulumi.Input<string[] | undefined>;
}

/** What the caller side reads from the `tenants` output. */
export interface TenantOutput {
    roleArn: string;
    /** Model id (as users write it) -> the tenant's application inference profile ARN. */
    profiles: Record<string, string>;
    models: string[];
    trust: TenantTrust;
    guardrail?: GuardrailRef;
    budgetName?: string;
    cutOffPolicyArn?: string;
    /** For lifting a cut-off early: aws budgets execute-budget-action --execution-type REVERSE_BUDGET_ACTION. */
    budgetActionId?: string;
}

export function tenantTrust(t: TenantConfig): TenantTrust {
    return t.organization
        ? { kind: "organization", orgId: t.organization.id, paths: t.organization.paths, rolePath: t.callerRolePath }
        : { kind: "accounts", accountIds: t.callerAccountIds ?? [], rolePath: t.callerRolePath };
}

/** Application profile names are unique per account and region: stack and a hash keep them apart. */
export function profileName(tenant: string, modelId: string): string {
    const hash = crypto
        .createHash("sha256")
        .update(`${pulumi.getStack()}/${tenant}/${modelId}`)
        .digest("hex")
        .slice(0, 8);
    // At most 64 characters of [0-9a-zA-Z] with single separators (CreateInferenceProfile's inferenceProfileName).
    const stem = `bb-${tenant}-${modelId}`
        .replace(/[^0-9a-zA-Z]+/g, "-")
        .slice(0, 55)
        .replace(/-+$/, "");
    return `${stem}-${hash}`;
}

export class TenantAccess extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly profiles: aws.bedrock.InferenceProfile[];
    readonly budget?: TenantBudget;
    readonly output: pulumi.Output<TenantOutput>;

    constructor(name: string, args: TenantAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:TenantAccess", name, {}, opts);
        const t = args.tenant;
        const partition = partitionOf(args.region);
        const tags = { ...t.costAllocationTags, "bedrock-bridge:tenant": t.name };
        const trust = tenantTrust(t);

        // The budget (and its cut-off policy) before the role: the role depends on the policy, so Pulumi deletes the
        // role first (dependents before dependencies), detaching the cut-off on the way, then the policy.
        if (t.budget) {
            this.budget = new TenantBudget(
                `${name}-budget`,
                { tenant: { ...t, budget: t.budget }, accountId: args.accountId, region: args.region },
                { parent: this },
            );
        }
        const cutOffPolicy = this.budget?.cutOffPolicy;

        this.role = new aws.iam.Role(
            `${name}-execution`,
            {
                description: `bedrock-bridge tenant ${t.name}: assumed by its callers, invokes only its application inference profiles`,
                assumeRolePolicy: JSON.stringify(policy(tenantTrustPolicy(args.region, trust)), null, 2),
                maxSessionDuration: args.maxSessionDurationSeconds ?? 3600,
                tags,
                // AWS Budgets attaches the cut-off policy outside Pulumi: without this, removing a tenant that is cut
                // off fails with DeleteConflict (docs/governance.md, "Removing a tenant").
                forceDetachPolicies: true,
            },
            { parent: this, ...(cutOffPolicy ? { dependsOn: [cutOffPolicy] } : {}) },
        );
        this.budget?.cutOff(this.role);

        // Keyed by model id: with an index, reordering or removing a model handed one model's resource to another,
        // and its replacement was created under a name the other profile still held (create before delete).
        // Stacks deployed before named them by index: the alias names the index the model had at the last update
        // (its previous `tenants` output), or its index now when that is unknown, so their profiles keep their identity.
        const previousModels = pulumi.output(args.previousModels);
        this.profiles = t.models.map(
            (modelId, i) =>
                new aws.bedrock.InferenceProfile(
                    `${name}-${modelId}`,
                    {
                        name: profileName(t.name, modelId),
                        description: `bedrock-bridge tenant ${t.name}: ${modelId}`,
                        // A system-defined cross-region profile is copied by its ARN, a plain model by its foundation-model ARN.
                        modelSource: {
                            copyFrom: isInferenceProfileId(modelId)
                                ? args.systemRoutes.apply(rs => rs.find(r => r.profileId === modelId)!.profileArn)
                                : `arn:${partition}:bedrock:${args.region}::foundation-model/${modelId}`,
                        },
                        tags,
                    },
                    {
                        parent: this,
                        aliases: [
                            {
                                // A model new since then gets a name nothing had (aliases must stay unique).
                                name: previousModels.apply(before =>
                                    !before
                                        ? `${name}-${i}`
                                        : before.includes(modelId)
                                          ? `${name}-${before.indexOf(modelId)}`
                                          : `${name}-unindexed-${modelId}`,
                                ),
                            },
                        ],
                    },
                ),
        );

        const routes = pulumi
            .all([args.systemRoutes, pulumi.all(this.profiles.map(p => p.arn))])
            .apply(([system, arns]) =>
                t.models.map((modelId, i): TenantProfileRoute => {
                    const sys = system.find(r => r.profileId === modelId);
                    return sys
                        ? {
                              modelId,
                              applicationProfileArn: arns[i],
                              systemProfileArn: sys.profileArn,
                              modelArns: sys.modelArns,
                          }
                        : {
                              modelId,
                              applicationProfileArn: arns[i],
                              modelArns: [`arn:${partition}:bedrock:${args.region}::foundation-model/${modelId}`],
                          };
                }),
            );

        const guardrail = args.guardrail ?? pulumi.output(undefined);
        new aws.iam.RolePolicy(
            `${name}-invoke`,
            {
                role: this.role.id,
                name: "invoke-own-application-profiles",
                policy: policyJson(pulumi.all([routes, guardrail]).apply(([rs, g]) => tenantInvokeStatements(rs, g))),
            },
            { parent: this },
        );
        if (args.shortTermKeys) {
            new aws.iam.RolePolicy(
                `${name}-short-term`,
                {
                    role: this.role.id,
                    name: "short-term-api-keys",
                    policy: JSON.stringify(policy([SHORT_TERM_BEARER]), null, 2),
                },
                { parent: this },
            );
        }

        this.output = pulumi
            .all([
                this.role.arn,
                routes,
                guardrail,
                this.budget?.budget.name,
                this.budget?.cutOffPolicy?.arn,
                this.budget?.action?.actionId,
            ])
            .apply(([roleArn, rs, g, budgetName, cutOffPolicyArn, budgetActionId]) => ({
                roleArn,
                profiles: Object.fromEntries(rs.map(r => [r.modelId, r.applicationProfileArn])),
                models: [...t.models],
                trust,
                ...(g ? { guardrail: g } : {}),
                ...(budgetName ? { budgetName } : {}),
                ...(cutOffPolicyArn ? { cutOffPolicyArn } : {}),
                ...(budgetActionId ? { budgetActionId } : {}),
            }));
        this.registerOutputs({ output: this.output });
    }
}
