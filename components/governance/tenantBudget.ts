// Bedrock account side: a tenant's monthly cost budget on its cost-allocation tag, a warning notification, and at
// 100 % an AWS Budgets action that attaches an explicit-deny policy to the tenant's role, so spend stops without
// any code of ours running. Cost data reaches Budgets hours after the calls (docs/governance.md, "Budget cut-off").
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { BudgetConfig, budgetTag, TenantConfig } from "../../config/governance";
import { policy, policyJson } from "../shared/iam";
import { budgetCutOffStatements, budgetsActionStatements, budgetsTrustStatements } from "./governancePolicies";

export interface TenantBudgetArgs {
    tenant: Pick<TenantConfig, "name" | "costAllocationTags"> & { budget: BudgetConfig };
    accountId: string;
    region: string;
}

/** Budget names are account-global: the stack name keeps two Bedrock stacks of one account apart. */
export const budgetName = (tenant: string) =>
    `bedrock-bridge-${pulumi.getStack()}-${tenant}`.replace(/[^\w.-]/g, "-").slice(0, 100);

/**
 * Built in two steps around the tenant's role: the budget and the cut-off policy first, then (cutOff(role)) the action
 * that attaches the policy to the role. The role is created depending on the policy (TenantAccess), so Pulumi deletes
 * the role, whose deletion detaches what Budgets attached (forceDetachPolicies), before the policy: removing a tenant
 * that is cut off takes one `up` (docs/governance.md, "Removing a tenant that is cut off").
 */
export class TenantBudget extends pulumi.ComponentResource {
    readonly budget: aws.budgets.Budget;
    readonly cutOffPolicy?: aws.iam.Policy;
    executionRole?: aws.iam.Role;
    action?: aws.budgets.BudgetAction;
    private readonly args: TenantBudgetArgs;
    private readonly name: string;

    constructor(name: string, args: TenantBudgetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:TenantBudget", name, {}, opts);
        this.args = args;
        this.name = name;
        const b = args.tenant.budget;
        const tag = budgetTag(args.tenant);
        const subscribers = {
            subscriberEmailAddresses: b.emails,
            subscriberSnsTopicArns: b.snsTopicArn ? [b.snsTopicArn] : undefined,
        };

        this.budget = new aws.budgets.Budget(
            name,
            {
                name: budgetName(args.tenant.name),
                accountId: args.accountId,
                budgetType: "COST",
                timeUnit: "MONTHLY",
                limitAmount: b.monthlyLimitUsd.toFixed(2),
                limitUnit: "USD",
                // A user-defined cost-allocation tag as Budgets names it: user:<key>$<value>. It must be activated in
                // the payer account, or the budget sees no cost (docs/governance.md).
                costFilters: [{ name: "TagKeyValue", values: [`user:${tag.key}$${tag.value}`] }],
                notifications: [
                    {
                        comparisonOperator: "GREATER_THAN",
                        threshold: b.notifyAtPercent,
                        thresholdType: "PERCENTAGE",
                        notificationType: "ACTUAL",
                        ...subscribers,
                    },
                    // The forecast warns early, before the cut-off bites.
                    {
                        comparisonOperator: "GREATER_THAN",
                        threshold: 100,
                        thresholdType: "PERCENTAGE",
                        notificationType: "FORECASTED",
                        ...subscribers,
                    },
                ],
                tags: { ...args.tenant.costAllocationTags, "bedrock-bridge:tenant": args.tenant.name },
            },
            { parent: this },
        );

        if (b.cutOff) {
            this.cutOffPolicy = new aws.iam.Policy(
                `${name}-cut-off`,
                {
                    description: `bedrock-bridge: tenant ${args.tenant.name} spent its monthly budget; attached by AWS Budgets, detach (reset the action) to lift`,
                    policy: JSON.stringify(policy(budgetCutOffStatements()), null, 2),
                },
                { parent: this },
            );
        }
        this.registerOutputs({ budgetName: this.budget.name });
    }

    /** The action that attaches the cut-off policy to `role` at 100 % (with cutOff; else nothing). Call once. */
    cutOff(role: aws.iam.Role): void {
        const { args, cutOffPolicy, name } = this;
        if (!cutOffPolicy) return;
        const b = args.tenant.budget;
        this.executionRole = new aws.iam.Role(
            `${name}-budgets`,
            {
                description: `bedrock-bridge: AWS Budgets attaches the cut-off policy to tenant ${args.tenant.name}'s role`,
                assumeRolePolicy: JSON.stringify(policy(budgetsTrustStatements(args.accountId, args.region)), null, 2),
            },
            { parent: this },
        );
        const permissions = new aws.iam.RolePolicy(
            `${name}-budgets`,
            {
                role: this.executionRole.id,
                name: "attach-cut-off",
                policy: policyJson(
                    pulumi
                        .all([role.arn, cutOffPolicy.arn])
                        .apply(([roleArn, policyArn]) => budgetsActionStatements(roleArn, policyArn)),
                ),
            },
            { parent: this },
        );
        this.action = new aws.budgets.BudgetAction(
            name,
            {
                accountId: args.accountId,
                budgetName: this.budget.name,
                actionType: "APPLY_IAM_POLICY",
                approvalModel: "AUTOMATIC",
                notificationType: "ACTUAL",
                actionThreshold: { actionThresholdType: "PERCENTAGE", actionThresholdValue: 100 },
                definition: { iamActionDefinition: { policyArn: cutOffPolicy.arn, roles: [role.name] } },
                executionRoleArn: this.executionRole.arn,
                subscribers: [
                    ...(b.emails ?? []).map(address => ({ address, subscriptionType: "EMAIL" })),
                    ...(b.snsTopicArn ? [{ address: b.snsTopicArn, subscriptionType: "SNS" }] : []),
                ],
                // Budgets checks the execution role when the action is created.
            },
            { parent: this, dependsOn: [permissions] },
        );
    }
}
