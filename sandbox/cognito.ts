// Emulation of the Cognito user pool API calls a public app client makes (JSON 1.1 protocol, X-Amz-Target
// AWSCognitoIdentityProviderService.<Op>), enough for Amplify Auth's signIn (SRP by default), token refresh,
// getCurrentUser/fetchUserAttributes and signOut. Errors use Cognito's names and texts; with
// preventUserExistenceErrors (as the stack sets) an unknown user gets the same answer as a wrong password.
import * as crypto from "crypto";
import type * as http from "http";
import { hexOf, makeVerifier, SrpSession, startSrp, verifySrp } from "./srp";
import { PoolUser, TokenIssuer } from "./tokens";

interface StoredUser extends PoolUser {
    salt: string;
    verifier: bigint;
}

type Reply = { status: number; body: unknown };
const fail = (status: number, type: string, message: string): Reply => ({ status, body: { __type: type, message } });
const WRONG = () => fail(400, "NotAuthorizedException", "Incorrect username or password.");

export class UserPool {
    private readonly users = new Map<string, StoredUser>();
    private readonly srp = new Map<string, { session: SrpSession; user: StoredUser; until: number }>();
    private readonly refresh = new Map<string, { user: StoredUser; originJti: string }>();
    readonly poolName: string;

    constructor(
        readonly issuer: TokenIssuer,
        users: { email: string; password: string }[],
    ) {
        this.poolName = issuer.poolId.split("_")[1];
        for (const u of users) this.add(u.email, u.password);
    }

    add(email: string, password: string): PoolUser {
        const key = email.toLowerCase();
        // A stable sub per email (a UUID shape, like Cognito's): tokens and channels survive a restart.
        const h = crypto.createHash("sha256").update(`bedrock-bridge-sandbox:${key}`).digest("hex");
        const sub = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
        const { salt, verifier } = makeVerifier(this.poolName, sub, password);
        const user = { email: key, password, sub, salt, verifier };
        this.users.set(key, user);
        return user;
    }

    find(emailOrSub: string): StoredUser | undefined {
        const key = emailOrSub.toLowerCase();
        return this.users.get(key) ?? [...this.users.values()].find(u => u.sub === emailOrSub);
    }

    /** Forgets every refresh token and pending sign-in, as a restarted sandbox has (users stay). */
    forgetSessions(): void {
        this.refresh.clear();
        this.srp.clear();
    }

    /** Tokens for a user without a password (the sandbox's token endpoint). */
    async tokensFor(
        email: string,
        validitySeconds?: number,
    ): Promise<{
        idToken: string;
        accessToken: string;
        refreshToken: string;
        expiresIn: number;
        sub: string;
        email: string;
    }> {
        const user = this.find(email);
        if (!user) throw new Error(`no sandbox user ${email}: start the sandbox with --user ${email}:<password>`);
        const t = await this.issuer.issue(user, undefined, undefined, validitySeconds);
        return {
            idToken: t.idToken,
            accessToken: t.accessToken,
            refreshToken: this.newRefresh(user, t.originJti),
            expiresIn: t.expiresIn,
            sub: user.sub,
            email: user.email,
        };
    }

    private newRefresh(user: StoredUser, originJti: string): string {
        const token = crypto.randomBytes(48).toString("base64url");
        this.refresh.set(token, { user, originJti });
        return token;
    }

    private async result(user: StoredUser, withRefresh: boolean, originJti?: string): Promise<Reply> {
        const t = await this.issuer.issue(user, originJti);
        return {
            status: 200,
            body: {
                ChallengeParameters: {},
                AuthenticationResult: {
                    AccessToken: t.accessToken,
                    IdToken: t.idToken,
                    ExpiresIn: t.expiresIn,
                    TokenType: "Bearer",
                    ...(withRefresh ? { RefreshToken: this.newRefresh(user, t.originJti) } : {}),
                },
            },
        };
    }

    async handle(target: string, input: any): Promise<Reply> {
        const op = target.replace(/^AWSCognitoIdentityProviderService\./, "");
        const clientOk = input?.ClientId === undefined || input.ClientId === this.issuer.clientId;
        if (
            ["InitiateAuth", "RespondToAuthChallenge", "GetTokensFromRefreshToken", "RevokeToken"].includes(op) &&
            (!input?.ClientId || !clientOk)
        ) {
            return fail(400, "ResourceNotFoundException", "User pool client does not exist.");
        }
        switch (op) {
            case "InitiateAuth":
                return this.initiateAuth(input);
            case "RespondToAuthChallenge":
                return this.respond(input);
            case "GetTokensFromRefreshToken":
                return this.refreshTokens(input.RefreshToken);
            case "GetUser":
                return this.getUser(input.AccessToken);
            case "GlobalSignOut":
                return this.signOut(input.AccessToken);
            case "RevokeToken": {
                const r = this.refresh.get(input.Token);
                if (r) {
                    this.refresh.delete(input.Token);
                    this.issuer.revoke(r.originJti);
                }
                return { status: 200, body: {} };
            }
            default:
                return fail(400, "InvalidParameterException", `the sandbox does not emulate ${op}`);
        }
    }

    private async initiateAuth(input: any): Promise<Reply> {
        const p = input.AuthParameters ?? {};
        switch (input.AuthFlow) {
            case "USER_SRP_AUTH": {
                const user = p.USERNAME && this.find(p.USERNAME);
                if (!p.SRP_A) return fail(400, "InvalidParameterException", "Missing required parameter SRP_A");
                if (!user) return WRONG();
                for (const [k, v] of this.srp) if (v.until < Date.now()) this.srp.delete(k);
                const session = startSrp(p.SRP_A, user.verifier);
                const id = crypto.randomBytes(32).toString("base64url");
                this.srp.set(id, { session, user, until: Date.now() + 3 * 60_000 });
                return {
                    status: 200,
                    body: {
                        ChallengeName: "PASSWORD_VERIFIER",
                        Session: id,
                        ChallengeParameters: {
                            SALT: user.salt,
                            SECRET_BLOCK: session.secretBlock,
                            SRP_B: hexOf(session.B),
                            USERNAME: user.sub,
                            USER_ID_FOR_SRP: user.sub,
                        },
                    },
                };
            }
            case "USER_PASSWORD_AUTH": {
                // Not enabled on the deployed app client (ALLOW_USER_SRP_AUTH only): refused the same way.
                return fail(400, "InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client");
            }
            case "REFRESH_TOKEN_AUTH":
            case "REFRESH_TOKEN":
                return this.refreshTokens(p.REFRESH_TOKEN);
            default:
                return fail(400, "InvalidParameterException", `${input.AuthFlow} flow not enabled for this client`);
        }
    }

    private async respond(input: any): Promise<Reply> {
        if (input.ChallengeName !== "PASSWORD_VERIFIER")
            return fail(
                400,
                "InvalidParameterException",
                `the sandbox does not emulate challenge ${input.ChallengeName}`,
            );
        const pending = this.srp.get(input.Session);
        this.srp.delete(input.Session);
        if (!pending || pending.until < Date.now())
            return fail(400, "NotAuthorizedException", "Invalid session for the user, session is expired.");
        const r = input.ChallengeResponses ?? {};
        if (r.PASSWORD_CLAIM_SECRET_BLOCK !== pending.session.secretBlock) return WRONG();
        const ok = verifySrp(
            pending.session,
            pending.user.verifier,
            this.poolName,
            pending.user.sub,
            String(r.TIMESTAMP ?? ""),
            String(r.PASSWORD_CLAIM_SIGNATURE ?? ""),
        );
        return ok ? this.result(pending.user, true) : WRONG();
    }

    private async refreshTokens(token: string | undefined): Promise<Reply> {
        const r = token ? this.refresh.get(token) : undefined;
        if (!r) return fail(400, "NotAuthorizedException", "Invalid Refresh Token");
        // Refreshed tokens keep the sign-in's origin_jti, so GlobalSignOut/RevokeToken still reach them.
        return this.result(r.user, false, r.originJti);
    }

    private async getUser(accessToken: string): Promise<Reply> {
        try {
            const c = await this.issuer.verify(String(accessToken ?? ""), ["access"]);
            const user = this.find(c.sub);
            if (!user) return fail(400, "UserNotFoundException", "User does not exist.");
            return {
                status: 200,
                body: {
                    Username: user.sub,
                    UserAttributes: [
                        { Name: "email", Value: user.email },
                        { Name: "email_verified", Value: "true" },
                        { Name: "sub", Value: user.sub },
                    ],
                },
            };
        } catch {
            return fail(400, "NotAuthorizedException", "Invalid Access Token");
        }
    }

    private async signOut(accessToken: string): Promise<Reply> {
        try {
            const c = await this.issuer.verify(String(accessToken ?? ""), ["access"]);
            for (const [t, r] of this.refresh)
                if (r.user.sub === c.sub) {
                    this.refresh.delete(t);
                    this.issuer.revoke(r.originJti);
                }
            if (typeof c.origin_jti === "string") this.issuer.revoke(c.origin_jti);
            return { status: 200, body: {} };
        } catch {
            return fail(400, "NotAuthorizedException", "Access Token has been revoked");
        }
    }
}

/** The HTTP side: POST with X-Amz-Target, JSON 1.1 in and out. */
export async function serveCognito(
    pool: UserPool,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: string,
): Promise<void> {
    const target = String(req.headers["x-amz-target"] ?? "");
    let input: unknown;
    try {
        input = body ? JSON.parse(body) : {};
    } catch {
        input = undefined;
    }
    const r =
        input === undefined
            ? fail(400, "SerializationException", "body is not JSON")
            : await pool.handle(target, input);
    const type = (r.body as { __type?: string }).__type;
    res.writeHead(r.status, {
        "content-type": "application/x-amz-json-1.1",
        "x-amzn-requestid": crypto.randomUUID(),
        ...(type
            ? { "x-amzn-errortype": `${type}:`, "x-amzn-errormessage": (r.body as { message: string }).message }
            : {}),
    });
    res.end(JSON.stringify(r.body));
}
