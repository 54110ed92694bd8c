// Caller side, bring your own role: existing roles of this account (a service's task or instance role) get an inline
// policy allowing sts:AssumeRole on exactly the referenced Bedrock roles, for workloads that call Bedrock with the
// AWS SDK themselves. Cross-account AssumeRole needs both sides: this grant, and the Bedrock role's trust, which
// names caller roles by path or exact ARN (checked at preview, config/crossStack.ts workloadRoleProblems). The roles
// themselves are not managed here: only the inline policy, which `pulumi destroy` removes again.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assumeBedrockRoleStatement, BedrockTargetRef } from "./bedrockTargets";
import { policyJson, scopedName } from "../shared/iam";

export interface WorkloadRoleGrantsArgs {
    /** Role ARNs of this account (bedrock-bridge:workloadRoles). */
    roleArns: string[];
    targets: BedrockTargetRef[];
    region: string;
}

/** The role name of a role ARN: what IAM's PutRolePolicy takes (the path is not part of it). */
export const roleNameOf = (roleArn: string): string => roleArn.split("/").pop() ?? roleArn;

export class WorkloadRoleGrants extends pulumi.ComponentResource {
    readonly policies: aws.iam.RolePolicy[];

    constructor(name: string, args: WorkloadRoleGrantsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:WorkloadRoleGrants", name, {}, opts);
        // One policy name per stack and region: another caller stack (another region) granting the same role keeps
        // its own policy instead of overwriting this one.
        const policyName = scopedName("bedrock-bridge-assume", args.region, 128);
        const document = policyJson([assumeBedrockRoleStatement(args.targets)]);
        this.policies = args.roleArns.map(
            arn =>
                new aws.iam.RolePolicy(
                    `${name}-${roleNameOf(arn)}`,
                    { role: roleNameOf(arn), name: policyName, policy: document },
                    { parent: this },
                ),
        );
        this.registerOutputs({ roles: args.roleArns });
    }
}
