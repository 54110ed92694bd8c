// Cognito-shaped JWTs signed by a local RSA key (RS256 with a kid, as Cognito signs), verified with `jose`
// the way API Gateway's Cognito authorizer and AppSync's Cognito auth mode check them: signature against the
// pool's JWKS, issuer https://cognito-idp.<region>.amazonaws.com/<poolId>, expiry, token_use, audience/client.
import * as crypto from "crypto";
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type JWTPayload } from "jose";

export interface PoolUser {
    email: string;
    password: string;
    sub: string;
}

export interface IssuedTokens {
    idToken: string;
    accessToken: string;
    expiresIn: number;
}

export type Claims = JWTPayload & {
    sub: string;
    token_use: "id" | "access";
    email?: string;
    username?: string;
    "cognito:username"?: string;
    client_id?: string;
};

export class TokenIssuer {
    readonly issuer: string;
    jwks!: { keys: JWK[] };
    private privateKey!: Parameters<SignJWT["sign"]>[0];
    private verifySet!: ReturnType<typeof createLocalJWKSet>;
    private kid = crypto.randomBytes(8).toString("hex");
    /** Access tokens signed out by GlobalSignOut (by origin_jti): Cognito refuses them afterwards. */
    private readonly revoked = new Set<string>();

    constructor(
        readonly region: string,
        readonly poolId: string,
        readonly clientId: string,
        readonly validitySeconds: number,
    ) {
        this.issuer = `https://cognito-idp.${region}.amazonaws.com/${poolId}`;
    }

    /** A new signing key (what a restart of the sandbox does): every token issued so far fails verification. */
    async rotate(): Promise<void> {
        this.kid = crypto.randomBytes(8).toString("hex");
        await this.init();
    }

    async init(): Promise<this> {
        const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
        this.privateKey = privateKey;
        this.jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: this.kid, alg: "RS256", use: "sig" }] };
        this.verifySet = createLocalJWKSet(this.jwks);
        return this;
    }

    private sign(claims: Record<string, unknown>, now: number, validity: number): Promise<string> {
        return new SignJWT(claims)
            .setProtectedHeader({ alg: "RS256", kid: this.kid })
            .setIssuer(this.issuer)
            .setIssuedAt(now)
            .setExpirationTime(now + validity)
            .setJti(crypto.randomUUID())
            .sign(this.privateKey);
    }

    /** An id token and an access token as Cognito issues them after a sign-in (same origin_jti and event_id). */
    async issue(
        user: PoolUser,
        originJti: string = crypto.randomUUID(),
        authTime = Math.floor(Date.now() / 1000),
        validity = this.validitySeconds,
    ): Promise<IssuedTokens & { originJti: string }> {
        const now = Math.floor(Date.now() / 1000);
        const common = { sub: user.sub, origin_jti: originJti, event_id: crypto.randomUUID(), auth_time: authTime };
        const idToken = await this.sign(
            {
                ...common,
                aud: this.clientId,
                token_use: "id",
                email: user.email,
                email_verified: true,
                "cognito:username": user.sub,
            },
            now,
            validity,
        );
        const accessToken = await this.sign(
            {
                ...common,
                client_id: this.clientId,
                token_use: "access",
                scope: "aws.cognito.signin.user.admin",
                username: user.sub,
            },
            now,
            validity,
        );
        return { idToken, accessToken, expiresIn: validity, originJti };
    }

    revoke(originJti: string): void {
        this.revoked.add(originJti);
    }

    /**
     * Verifies a token; `use` says which kinds are accepted. API Gateway's Cognito authorizer without OAuth scopes
     * takes id tokens; AppSync's Cognito mode takes id and access tokens. Throws with the reason.
     */
    async verify(token: string, use: ("id" | "access")[]): Promise<Claims> {
        const { payload } = await jwtVerify(token, this.verifySet, { issuer: this.issuer, algorithms: ["RS256"] });
        const claims = payload as Claims;
        if (!use.includes(claims.token_use)) throw new Error(`token_use ${claims.token_use} is not accepted here`);
        if (claims.token_use === "id" && claims.aud !== this.clientId)
            throw new Error("audience is not this pool's app client");
        if (claims.token_use === "access" && claims.client_id !== this.clientId)
            throw new Error("client_id is not this pool's app client");
        if (typeof claims.origin_jti === "string" && this.revoked.has(claims.origin_jti))
            throw new Error("token has been revoked");
        return claims;
    }
}
