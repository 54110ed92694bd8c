// Bedrock account side: long-term Bedrock API keys as code (an IAM user with a service-specific credential each),
// the execution role's permission to present its session as a short-term key, and the optional long-term deny.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { ApiKeyConfig } from "../../config";
import { modelStatements } from "./crossAccountBedrockAccess";
import { partitionOf, policy, PolicyDocument, scopedName, Statement } from "../shared/iam";
import { previewError } from "../shared/previewError";

export const BEDROCK_SERVICE = "bedrock.amazonaws.com";
/** Key users live under their own path, so they are easy to find and to name in an SCP. */
export const API_KEY_USER_PATH = "/bedrock-bridge/api-keys/";
/** On a key's IAM user: the stack accepted that managedPolicy (AmazonBedrockLimitedAccess) allows every model. */
export const ALL_MODELS_TAG = "bedrock-bridge:all-models";
/**
 * BedrockAPIKey-<name> is the console's convention; the stack and region are added because IAM user names are
 * account-global and another Bedrock stack of the account (another region) may declare a key of the same name.
 */
export const keyUserName = (name: string, region: string) => scopedName(`BedrockAPIKey-${name}`, region);

const bearer = (type: "SHORT_TERM" | "LONG_TERM") => ({ StringEquals: { "bedrock:bearerTokenType": type } });

/** Lets a principal present a long-term key of its own (and nothing else by bearer token). */
export const LONG_TERM_BEARER: Statement = {
    Sid: "CallWithLongTermKey",
    Effect: "Allow",
    Action: "bedrock:CallWithBearerToken",
    Resource: "*",
    Condition: bearer("LONG_TERM"),
};
/** Lets a role session be presented as a short-term key; it carries no more than the session's own permissions. */
export const SHORT_TERM_BEARER: Statement = {
    Sid: "CallWithShortTermKey",
    Effect: "Allow",
    Action: "bedrock:CallWithBearerToken",
    Resource: "*",
    Condition: bearer("SHORT_TERM"),
};

/**
 * Denies using long-term keys and creating new ones. bedrock:CallWithBearerToken is evaluated against the
 * identity that owns the key (the key's IAM user), and Bedrock models have no resource policy, so this only works
 * as an identity policy on those users (or a permissions boundary), or account-wide as an SCP.
 */
export function denyLongTermStatements(): Statement[] {
    return [
        {
            Sid: "DenyLongTermBedrockApiKeys",
            Effect: "Deny",
            Action: "bedrock:CallWithBearerToken",
            Resource: "*",
            Condition: bearer("LONG_TERM"),
        },
        // The OpenAI-compatible endpoint (bedrock-mantle) takes the same keys under its own action and key.
        {
            Sid: "DenyLongTermBedrockMantleApiKeys",
            Effect: "Deny",
            Action: "bedrock-mantle:CallWithBearerToken",
            Resource: "*",
            Condition: { StringEquals: { "bedrock-mantle:bearerTokenType": "LONG_TERM" } },
        },
        {
            Sid: "DenyCreatingBedrockApiKeys",
            Effect: "Deny",
            Action: "iam:CreateServiceSpecificCredential",
            Resource: "*",
            Condition: { StringEquals: { "iam:ServiceSpecificCredentialServiceName": BEDROCK_SERVICE } },
        },
    ];
}

/** The same deny as an SCP for the organisation, exempting exactly this stack's declared key users. */
export function denyLongTermScp(exemptUserArns: string[]): PolicyDocument {
    const [use, mantle, create] = denyLongTermStatements();
    if (!exemptUserArns.length) return policy([use, mantle, create]);
    const exempt = { ArnNotLike: { "aws:PrincipalArn": exemptUserArns } };
    return policy([
        { ...use, Condition: { ...use.Condition, ...exempt } },
        { ...mantle, Condition: { ...mantle.Condition, ...exempt } },
        {
            Sid: create.Sid,
            Effect: "Deny",
            Action: create.Action,
            NotResource: exemptUserArns,
            Condition: create.Condition,
        } as Statement,
    ]);
}

/** A key user's inline policy: the allowed models (unless the managed policy is asked for), bearer use, Marketplace opt-in. */
export function keyUserStatements(
    key: Pick<ApiKeyConfig, "managedPolicy" | "marketplace">,
    models: Statement[],
    region: string,
): Statement[] {
    const statements: Statement[] = [LONG_TERM_BEARER];
    // The stack-wide Marketplace grant is the role's; each key opts in on its own.
    if (!key.managedPolicy) statements.push(...models.filter(s => s.Sid !== "MarketplaceFirstUse"));
    if (key.marketplace) statements.push(...modelStatements(region, [], [], true));
    return statements;
}

/** What to do with a long-term key past its expiry: it cannot be renewed, only replaced under a new name. */
export function expiredKeyAdvice(name: string): string {
    return (
        `bedrock-bridge:apiKeys "${name}" has expired (AWS reports status Expired; it cannot be renewed or set Active again). ` +
        `Rotate: add a key under a new name (e.g. {name: ${name}-2, expiryDays: 30}), pulumi up, hand out its secret, then remove "${name}" from bedrock-bridge:apiKeys.`
    );
}

/**
 * At preview the credential's status is the one in the stack's state: after a refresh AWS's "Expired". Updating it
 * to Active/Inactive would fail half-way through pulumi up, so preview fails first and says what to do.
 */
export function checkNotExpired(key: Pick<ApiKeyConfig, "name" | "status">, reported: string | undefined): void {
    if (reported === "Expired" && key.status !== "Expired") {
        throw previewError(
            `${expiredKeyAdvice(key.name)} Until then, set status: Expired for it, so pulumi up leaves the expired key alone.`,
        );
    }
}

export interface BedrockApiKeysArgs {
    region: string;
    keys: ApiKeyConfig[];
    /** Invoke statements on the allowed models (CrossAccountBedrockAccess.modelStatements). */
    modelStatements: pulumi.Input<Statement[]>;
    /** The execution role: gets the short-term bearer permission and, when asked, the long-term deny. */
    executionRole: aws.iam.Role;
    shortTermKeys: boolean;
    denyLongTermBearerTokens: boolean;
}

export interface ApiKeyInfo {
    name: string;
    userName: string;
    userArn: string;
    credentialId: string;
    /** The public part of the key (user name and account); the secret is in apiKeySecrets. */
    alias: string;
    status: string;
    expiresAt?: string;
}

export class BedrockApiKeys extends pulumi.ComponentResource {
    readonly users: aws.iam.User[] = [];
    readonly credentials: aws.iam.ServiceSpecificCredential[] = [];
    /** Names, users, credential ids, status and expiry: no secrets. */
    readonly keys: pulumi.Output<ApiKeyInfo[]>;
    /** Key secrets by name, always a Pulumi secret. */
    readonly secrets: pulumi.Output<Record<string, string>>;
    readonly denyLongTermPolicy?: aws.iam.Policy;
    /** The SCP that enforces the long-term deny organisation-wide (for the management account to apply). */
    readonly denyLongTermScp?: pulumi.Output<string>;

    constructor(name: string, args: BedrockApiKeysArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:BedrockApiKeys", name, {}, opts);
        const partition = partitionOf(args.region);

        for (const key of args.keys) {
            const user = new aws.iam.User(
                `${name}-${key.name}`,
                {
                    name: keyUserName(key.name, args.region),
                    path: API_KEY_USER_PATH,
                    // Deletes the user even when someone reset the key in the console (a credential Pulumi does not know).
                    forceDestroy: true,
                    tags: {
                        "bedrock-bridge:component": "BedrockApiKeys",
                        "bedrock-bridge:key": key.name,
                        // The explicit acceptance the policy pack looks for (policy/rules.ts, bedrock-managed-policy-accepted).
                        ...(key.managedPolicy && key.allModels ? { [ALL_MODELS_TAG]: "accepted" } : {}),
                    },
                },
                { parent: this },
            );
            new aws.iam.UserPolicy(
                `${name}-${key.name}`,
                {
                    user: user.name,
                    name: "bedrock-api-key",
                    policy: pulumi
                        .output(args.modelStatements)
                        .apply(s => JSON.stringify(policy(keyUserStatements(key, s, args.region)), null, 2)),
                },
                { parent: this },
            );
            if (key.managedPolicy) {
                new aws.iam.UserPolicyAttachment(
                    `${name}-${key.name}-limited`,
                    {
                        user: user.name,
                        policyArn: `arn:${partition}:iam::aws:policy/AmazonBedrockLimitedAccess`,
                    },
                    { parent: this },
                );
            }
            this.users.push(user);
            const expired = key.status === "Expired";
            this.credentials.push(
                new aws.iam.ServiceSpecificCredential(
                    `${name}-${key.name}`,
                    {
                        userName: user.name,
                        serviceName: BEDROCK_SERVICE,
                        credentialAgeDays: key.expiryDays,
                        // "Expired" is read-only (the provider: "only used for read operations and cannot be set manually").
                        status: expired ? "Inactive" : key.status,
                        // No dependsOn on the policies: an output waiting on a failed policy would hang a preview instead of failing it.
                        // An expired key's status is AWS's to report: leave it alone rather than try to set it back.
                    },
                    { parent: this, ignoreChanges: expired ? ["status"] : [] },
                ),
            );
            if (expired) void pulumi.log.warn(expiredKeyAdvice(key.name));
        }

        this.keys = pulumi.all(
            args.keys.map((k, i) => {
                const c = this.credentials[i];
                return pulumi
                    .all([
                        this.users[i].name,
                        this.users[i].arn,
                        c.serviceSpecificCredentialId,
                        c.serviceCredentialAlias,
                        c.status,
                        c.expirationDate,
                    ])
                    .apply(([userName, userArn, credentialId, alias, status, expiresAt]) => {
                        checkNotExpired(k, status);
                        return {
                            name: k.name,
                            userName,
                            userArn,
                            credentialId,
                            alias,
                            status: status ?? k.status,
                            ...(expiresAt ? { expiresAt } : {}),
                        };
                    });
            }),
        );
        this.secrets = pulumi.secret(
            pulumi
                .all(this.credentials.map(c => c.serviceCredentialSecret))
                .apply(values => Object.fromEntries(args.keys.map((k, i) => [k.name, values[i]]))),
        );

        if (args.shortTermKeys) {
            const p = new aws.iam.Policy(
                `${name}-short-term`,
                {
                    description:
                        "bedrock-bridge: the execution role's sessions may be presented as short-term Bedrock API keys",
                    policy: JSON.stringify(policy([SHORT_TERM_BEARER]), null, 2),
                },
                { parent: this },
            );
            new aws.iam.RolePolicyAttachment(
                `${name}-short-term`,
                { role: args.executionRole.name, policyArn: p.arn },
                { parent: this },
            );
        }
        if (args.denyLongTermBearerTokens) {
            this.denyLongTermPolicy = new aws.iam.Policy(
                `${name}-deny-long-term`,
                {
                    description:
                        "bedrock-bridge: deny using or creating long-term Bedrock API keys; attach to IAM users, groups or as a boundary",
                    policy: JSON.stringify(policy(denyLongTermStatements()), null, 2),
                },
                { parent: this },
            );
            // The execution role cannot own a long-term key; attached so it can never create one either.
            new aws.iam.RolePolicyAttachment(
                `${name}-deny-long-term`,
                { role: args.executionRole.name, policyArn: this.denyLongTermPolicy.arn },
                { parent: this },
            );
            this.denyLongTermScp = pulumi
                .all(this.users.map(u => u.arn))
                .apply(arns => JSON.stringify(denyLongTermScp(arns), null, 2));
        }
        this.registerOutputs({ keys: this.keys, secrets: this.secrets });
    }
}
