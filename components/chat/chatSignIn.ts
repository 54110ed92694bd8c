// Caller side, streaming chat: sign-in. A new Cognito user pool and public app client, or an existing pair from
// config (bedrock-bridge:chat.userPoolId/userPoolClientId).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { ChatConfig } from "../../config";
import { partitionOf, stackTags } from "../shared/iam";

export interface ChatSignInArgs {
    accountId: string;
    region: string;
    chat: ChatConfig;
}

export class ChatSignIn extends pulumi.ComponentResource {
    readonly userPoolId: pulumi.Output<string>;
    readonly userPoolClientId: pulumi.Output<string>;
    readonly userPoolArn: pulumi.Output<string>;

    constructor(name: string, args: ChatSignInArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:ChatSignIn", name, {}, opts);
        const c = args.chat;
        const partition = partitionOf(args.region);
        const parent = { parent: this };
        if (c.userPoolId && c.userPoolClientId) {
            this.userPoolId = pulumi.output(c.userPoolId);
            this.userPoolClientId = pulumi.output(c.userPoolClientId);
            const poolRegion = c.userPoolId.split("_")[0];
            this.userPoolArn = pulumi.output(
                `arn:${partition}:cognito-idp:${poolRegion}:${args.accountId}:userpool/${c.userPoolId}`,
            );
        } else {
            const pool = new aws.cognito.UserPool(
                `${name}-users`,
                {
                    usernameAttributes: ["email"],
                    autoVerifiedAttributes: ["email"],
                    passwordPolicy: {
                        minimumLength: 12,
                        requireLowercase: true,
                        requireUppercase: true,
                        requireNumbers: true,
                        requireSymbols: true,
                        temporaryPasswordValidityDays: 3,
                    },
                    adminCreateUserConfig: { allowAdminCreateUserOnly: !c.selfSignUp },
                    mfaConfiguration: "OPTIONAL",
                    softwareTokenMfaConfiguration: { enabled: true },
                    accountRecoverySetting: { recoveryMechanisms: [{ name: "verified_email", priority: 1 }] },
                    deletionProtection: "ACTIVE",
                    // The deploy role may change only the pools carrying this tag (tools/deployPolicy.ts).
                    tags: stackTags(),
                },
                parent,
            );
            const client = new aws.cognito.UserPoolClient(
                `${name}-client`,
                {
                    userPoolId: pool.id,
                    generateSecret: false, // a browser app cannot keep a secret
                    explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                    preventUserExistenceErrors: "ENABLED",
                    enableTokenRevocation: true,
                    accessTokenValidity: 60,
                    idTokenValidity: 60,
                    refreshTokenValidity: 30,
                    tokenValidityUnits: { accessToken: "minutes", idToken: "minutes", refreshToken: "days" },
                },
                parent,
            );
            this.userPoolId = pool.id;
            this.userPoolClientId = client.id;
            this.userPoolArn = pool.arn;
        }

        this.registerOutputs({ userPoolId: this.userPoolId, userPoolClientId: this.userPoolClientId });
    }
}
