// Caller side, bring your own role: existing roles of this account (a service's task or instance role) may assume
// exactly the referenced Bedrock roles, for workloads that call Bedrock with the AWS SDK themselves. Cross-account
// AssumeRole needs both sides: this grant, and the Bedrock role's trust, which names caller roles by path or exact
// ARN (checked at preview, config/crossStack.ts workloadRoleProblems). The roles themselves are not managed here.
//
// The grant is a managed policy the stack creates (output workloadPolicyArn). By default the roles' owners attach it
// themselves, and the deploy role holds no right on their roles. With `attach: true` the stack attaches it, and the
// deploy role may attach and detach that one policy on those roles (iam:PolicyARN), nothing else. Never an inline
// policy: IAM has no condition on an inline policy's name, so the right to write one is the right to write any.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assumeBedrockRoleStatement, BedrockTargetRef } from "./bedrockTargets";
import { policyJson, scopedName } from "../shared/iam";

export interface WorkloadRoleGrantsArgs {
    /** Role ARNs of this account (bedrock-bridge:workloadRoles). */
    roleArns: string[];
    targets: BedrockTargetRef[];
    region: string;
    /** The stack attaches the policy to the roles (bedrock-bridge:workloadRoles.attach); else their owners do. */
    attach: boolean;
}

/** The role name of a role ARN: what IAM's role APIs take (the path is not part of it). */
export const roleNameOf = (roleArn: string): string => roleArn.split("/").pop() ?? roleArn;

export class WorkloadRoleGrants extends pulumi.ComponentResource {
    readonly policy: aws.iam.Policy;
    readonly attachments: aws.iam.RolePolicyAttachment[];

    constructor(name: string, args: WorkloadRoleGrantsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:WorkloadRoleGrants", name, {}, opts);
        // One policy per stack and region: another caller stack (another region) granting the same role has its own.
        this.policy = new aws.iam.Policy(
            `${name}-policy`,
            {
                name: scopedName("bedrock-bridge-assume", args.region, 128),
                description: "bedrock-bridge: sts:AssumeRole on the Bedrock roles, for workloads' own roles",
                policy: policyJson([assumeBedrockRoleStatement(args.targets)]),
            },
            { parent: this },
        );
        this.attachments = args.attach
            ? args.roleArns.map(
                  arn =>
                      new aws.iam.RolePolicyAttachment(
                          `${name}-${roleNameOf(arn)}`,
                          { role: roleNameOf(arn), policyArn: this.policy.arn },
                          { parent: this },
                      ),
              )
            : [];
        this.registerOutputs({ roles: args.roleArns, policyArn: this.policy.arn });
    }
}
