// Bedrock account side: the execution role that caller accounts assume, allowed exactly the configured models.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { isInferenceProfileId } from "../../config";
import { foundationModelId } from "../../functions/bedrock/modelIds";
import { partitionOf, policy, scopedName, Statement } from "../shared/iam";
import { previewError } from "../shared/previewError";

/** The execution role's default name: unique per stack and region, since IAM names are account-global. */
export const executionRoleName = (region: string) => scopedName("bedrock-bridge-execution", region);

export const INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];

export interface CrossAccountBedrockAccessArgs {
    accountId: string;
    region: string;
    callerAccountIds: string[];
    /** IAM path of the caller-side roles, e.g. "/bedrock-bridge/"; trusted as role<path>*. */
    callerRolePath: string;
    /** Exact caller role ARNs; when given they replace the path pattern. */
    trustedPrincipalArns?: string[];
    models: string[];
    roleName?: string;
    externalId?: pulumi.Input<string>;
    /** Caller state machines, trusted with their ARN as the external id (what Step Functions sends). */
    trustedStateMachineArns?: string[];
    maxSessionDurationSeconds?: number;
    allowMarketplace?: boolean;
}

/** The resolved answer of getInferenceProfile that permissions need. */
export interface ProfileRoute {
    profileId: string;
    profileArn: string;
    modelArns: string[];
}

/** The system-defined profiles among the model ids, each with the foundation models it routes to. */
export function profileRoutes(
    models: string[],
    region: string,
    parent: pulumi.Resource,
): pulumi.Output<ProfileRoute[]> {
    // Destination regions come from AWS at deploy time, not from a hand-kept table.
    return pulumi.all(
        models.filter(isInferenceProfileId).map(id =>
            aws.bedrock.getInferenceProfileOutput({ inferenceProfileId: id, region }, { parent }).apply(p => {
                const modelArns = (p.models ?? []).map(m => m.modelArn);
                if (!modelArns.length)
                    throw previewError(`inference profile ${id} routes to no foundation models in ${region}`);
                return { profileId: id, profileArn: p.inferenceProfileArn, modelArns };
            }),
        ),
    );
}

/** The ARN patterns the trust condition names: exact ARNs, or every role under the caller path. */
export function trustedPrincipalPatterns(
    args: Pick<
        CrossAccountBedrockAccessArgs,
        "callerAccountIds" | "callerRolePath" | "trustedPrincipalArns" | "region"
    >,
): string[] {
    if (args.trustedPrincipalArns && args.trustedPrincipalArns.length) return [...args.trustedPrincipalArns];
    const partition = partitionOf(args.region);
    return args.callerAccountIds.map(a => `arn:${partition}:iam::${a}:role${args.callerRolePath}*`);
}

/**
 * Trust: the caller accounts' root as principal (valid before the caller roles exist, and across their
 * re-creation), narrowed by aws:PrincipalArn to the caller roles. Naming the role ARN as principal instead would
 * fail with "invalid principal" before the caller stack exists.
 */
export function trustPolicy(args: CrossAccountBedrockAccessArgs, externalId?: string): string {
    const partition = partitionOf(args.region);
    const principalArns = { ArnLike: { "aws:PrincipalArn": trustedPrincipalPatterns(args) } };
    const statements: Statement[] = [
        {
            Sid: "CallerAccountRoles",
            Effect: "Allow",
            Principal: { AWS: args.callerAccountIds.map(a => `arn:${partition}:iam::${a}:root`) },
            Action: "sts:AssumeRole",
            Condition: externalId
                ? { ...principalArns, StringEquals: { "sts:ExternalId": externalId } }
                : principalArns,
        },
    ];
    // A Step Functions Task cannot send a chosen external id: it sends the state machine's ARN as sts:ExternalId
    // (Step Functions developer guide, "Cross-account access for .sync integration pattern" and the cross-account
    // tutorial: the target role's trust has "sts:ExternalId": "arn:aws:states:<region>:<account>:stateMachine:<name>").
    // So with an external id, each trusted state machine is let in with its own ARN, still only from a caller role.
    const machines = args.trustedStateMachineArns ?? [];
    if (externalId && machines.length) {
        const accounts = [...new Set(machines.map(m => m.split(":")[4]))];
        statements.push({
            Sid: "CallerStateMachines",
            Effect: "Allow",
            Principal: { AWS: accounts.map(a => `arn:${partition}:iam::${a}:root`) },
            Action: "sts:AssumeRole",
            Condition: { ...principalArns, StringEquals: { "sts:ExternalId": machines } },
        });
    }
    return JSON.stringify(policy(statements), null, 2);
}

/**
 * Token counting (the gateway's POST /v1/messages/count_tokens) for each model id, as the gateway calls it: the
 * foundation model in the region of the call, a profile's by its id without the prefix (CountTokens counts for
 * foundation models only). bedrock:CountTokens is a Read action on the foundation-model resource type with no
 * condition keys (Service Authorization Reference, Amazon Bedrock); it runs no model and costs nothing.
 */
export function countTokensStatements(region: string, modelIds: string[]): Statement[] {
    if (!modelIds.length) return [];
    const partition = partitionOf(region);
    const arns = modelIds.map(id => `arn:${partition}:bedrock:${region}::foundation-model/${foundationModelId(id)}`);
    return [
        { Sid: "CountTokens", Effect: "Allow", Action: "bedrock:CountTokens", Resource: [...new Set(arns)].sort() },
    ];
}

/** Invoke permissions for each model id: profiles through their routes, plain models in-region. */
export function modelStatements(
    region: string,
    plainModels: string[],
    routes: ProfileRoute[],
    allowMarketplace: boolean,
): Statement[] {
    const partition = partitionOf(region);
    const statements: Statement[] = [];
    routes.forEach((r, i) => {
        statements.push({
            Sid: `InvokeProfile${i}`,
            Effect: "Allow",
            Action: INVOKE_ACTIONS,
            Resource: [r.profileArn],
        });
        // Foundation models in every destination region, but only when the call comes through this profile.
        statements.push({
            Sid: `InvokeProfileModels${i}`,
            Effect: "Allow",
            Action: INVOKE_ACTIONS,
            Resource: [...new Set(r.modelArns)].sort(),
            Condition: { StringEquals: { "bedrock:InferenceProfileArn": r.profileArn } },
        });
    });
    if (plainModels.length) {
        statements.push({
            Sid: "InvokeModels",
            Effect: "Allow",
            Action: INVOKE_ACTIONS,
            Resource: plainModels.map(m => `arn:${partition}:bedrock:${region}::foundation-model/${m}`),
        });
    }
    statements.push(...countTokensStatements(region, [...routes.map(r => r.profileId), ...plainModels]));
    if (allowMarketplace) {
        // Third-party models subscribe through AWS Marketplace on first use; opt-in only.
        statements.push({
            Sid: "MarketplaceFirstUse",
            Effect: "Allow",
            Action: ["aws-marketplace:ViewSubscriptions", "aws-marketplace:Subscribe"],
            Resource: "*",
        });
    }
    return statements;
}

export class CrossAccountBedrockAccess extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly roleArn: pulumi.Output<string>;
    readonly region: string;
    readonly allowedModelIds: string[];
    /** The model policy as JSON, also reused by API-key users (least privilege to the same models). */
    readonly modelPolicyJson: pulumi.Output<string>;
    /** Statements granting invoke on the allowed models, for reuse by other principals of this account. */
    readonly modelStatements: pulumi.Output<Statement[]>;

    constructor(name: string, args: CrossAccountBedrockAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:CrossAccountBedrockAccess", name, {}, opts);
        if (!args.models.length) throw new pulumi.RunError(`${name}: at least one model id is required`);
        this.region = args.region;
        this.allowedModelIds = [...args.models];

        const plain = args.models.filter(m => !isInferenceProfileId(m));
        const routes = profileRoutes(args.models, args.region, this);
        this.modelStatements = routes.apply(rs => modelStatements(args.region, plain, rs, !!args.allowMarketplace));
        this.modelPolicyJson = this.modelStatements.apply(s => JSON.stringify(policy(s), null, 2));

        this.role = new aws.iam.Role(
            `${name}-execution`,
            {
                name: args.roleName ?? executionRoleName(args.region),
                description:
                    "Assumed by caller-account workloads to invoke the allowed Bedrock models (bedrock-bridge)",
                assumeRolePolicy: pulumi.output(args.externalId).apply(ext => trustPolicy(args, ext)),
                maxSessionDuration: args.maxSessionDurationSeconds ?? 3600,
                tags: { "bedrock-bridge:component": "CrossAccountBedrockAccess" },
            },
            { parent: this },
        );

        new aws.iam.RolePolicy(
            `${name}-invoke-models`,
            {
                role: this.role.id,
                name: "invoke-allowed-models",
                policy: this.modelPolicyJson,
            },
            { parent: this },
        );

        this.roleArn = this.role.arn;
        this.registerOutputs({ roleArn: this.roleArn, region: this.region, allowedModelIds: this.allowedModelIds });
    }
}
