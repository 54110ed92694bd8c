// Sign-in failures as Cognito reports them, read by Amplify's own client from a local endpoint that answers each
// InitiateAuth with the error (Cognito's JSON 1.1 error shape), and what the user is told.
import { strict as assert } from "assert";
import * as http from "http";
import { ConsoleLogger } from "aws-amplify/utils";
import { createChatClient, isChatError } from "../../client";
import { DEFAULT_LIMITS, type ChatEndpoints } from "../../client/types";

ConsoleLogger.LOG_LEVEL = "ERROR";

/** Only sign-in is exercised here: the Cognito endpoint is the local one, the others are never reached. */
const endpointsAt = (port: number): ChatEndpoints => ({
    restEndpoint: "http://127.0.0.1:1/chat",
    eventsHttpEndpoint: "http://127.0.0.1:1/event",
    region: "us-east-1",
    namespace: "ns",
    userPoolId: "us-east-1_Example",
    userPoolClientId: "client",
    userPoolEndpoint: `http://127.0.0.1:${port}/`,
    limits: DEFAULT_LIMITS,
});

describe("client: sign-in errors in words a person acts on", function () {
    this.timeout(30_000);
    let server: http.Server;
    let reply: { type: string; message: string };
    const targets: string[] = [];
    const flows: string[] = [];

    before(async () => {
        server = http.createServer((req, res) => {
            targets.push(String(req.headers["x-amz-target"]));
            let body = "";
            req.on("data", c => {
                body += c;
            });
            req.on("end", () => {
                flows.push(JSON.parse(body).AuthFlow);
                res.writeHead(400, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": reply.type });
                res.end(JSON.stringify({ __type: reply.type, message: reply.message }));
            });
        });
        await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
    });
    after(() => {
        server.close();
    });

    const cases: [string, string, string, RegExp][] = [
        ["NotAuthorizedException", "Incorrect username or password.", "WrongPassword", /wrong email or password/],
        ["UserNotConfirmedException", "User is not confirmed.", "NotConfirmed", /not confirmed/],
        [
            "PasswordResetRequiredException",
            "Password reset required for the user",
            "PasswordResetRequired",
            /reset its password/,
        ],
        ["TooManyRequestsException", "Rate exceeded", "Throttled", /Too many sign-in requests/],
        ["NotAuthorizedException", "Password attempts exceeded", "Throttled", /Too many failed sign-in attempts/],
        ["InternalErrorException", "boom", "ServerError", /InternalErrorException: boom/],
    ];
    for (const [type, message, code, words] of cases) {
        it(`${type} (${message}) → ${code}`, async () => {
            reply = { type, message };
            const port = (server.address() as { port: number }).port;
            const client = createChatClient(endpointsAt(port));
            try {
                await client.signIn("someone@example.com", "Some-Password-1");
                assert.fail("sign-in should fail");
            } catch (e) {
                assert.ok(isChatError(e), String(e));
                assert.equal(e.code, code);
                assert.match(e.message, words);
                assert.doesNotMatch(e.message, /\n/, "one line");
            }
            assert.equal(targets.at(-1), "AWSCognitoIdentityProviderService.InitiateAuth");
            assert.equal(flows.at(-1), "USER_SRP_AUTH", "SRP: the password never leaves the client");
        });
    }
});

describe("client: a temporary password (Cognito's NEW_PASSWORD_REQUIRED challenge)", function () {
    this.timeout(30_000);
    let server: http.Server;
    const newPasswords: string[] = [];
    const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const token = (use: string) =>
        [
            b64url({ alg: "none" }),
            b64url({
                sub: "3f1c2d4e-0000-4000-8000-000000000001",
                email: "new@example.com",
                token_use: use,
                iat: now,
                exp: now + 3600,
            }),
            "sig",
        ].join(".");

    before(async () => {
        // A scripted Cognito: it does not check the SRP proof (the sandbox's does); it walks Amplify through the challenge.
        server = http.createServer((req, res) => {
            let body = "";
            req.on("data", c => {
                body += c;
            });
            req.on("end", () => {
                const target = String(req.headers["x-amz-target"]).split(".")[1];
                const b = JSON.parse(body);
                let out: object;
                if (target === "InitiateAuth") {
                    out = {
                        ChallengeName: "PASSWORD_VERIFIER",
                        ChallengeParameters: {
                            SALT: "a1b2c3d4e5f6",
                            SECRET_BLOCK: Buffer.from("block").toString("base64"),
                            SRP_B: "f".repeat(64) + "1234567890abcdef".repeat(8),
                            USERNAME: "new-user",
                            USER_ID_FOR_SRP: "new-user",
                        },
                    };
                } else if (target === "RespondToAuthChallenge" && b.ChallengeName === "PASSWORD_VERIFIER") {
                    out = {
                        ChallengeName: "NEW_PASSWORD_REQUIRED",
                        Session: "session-1",
                        ChallengeParameters: {
                            userAttributes: JSON.stringify({ email: "new@example.com" }),
                            requiredAttributes: "[]",
                        },
                    };
                } else if (target === "RespondToAuthChallenge" && b.ChallengeName === "NEW_PASSWORD_REQUIRED") {
                    newPasswords.push(b.ChallengeResponses.NEW_PASSWORD);
                    out = {
                        AuthenticationResult: {
                            IdToken: token("id"),
                            AccessToken: token("access"),
                            RefreshToken: "refresh",
                            ExpiresIn: 3600,
                            TokenType: "Bearer",
                        },
                        ChallengeParameters: {},
                    };
                } else {
                    res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
                    res.end(JSON.stringify({ __type: "InvalidParameterException", message: `unexpected ${target}` }));
                    return;
                }
                res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
                res.end(JSON.stringify(out));
            });
        });
        await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
    });
    after(() => {
        server.close();
    });

    it("asks for a new password, then signs in with it", async () => {
        const port = (server.address() as { port: number }).port;
        const client = createChatClient(endpointsAt(port));
        await assert.rejects(
            client.signIn("new@example.com", "Temporary-Pass-1"),
            (e: unknown) => isChatError(e) && e.code === "NewPasswordRequired" && /temporary password/.test(e.message),
        );
        assert.deepEqual(newPasswords, []);
        const user = await client.signIn("new@example.com", "Temporary-Pass-1", { newPassword: "A-New-Long-Passw0rd" });
        assert.deepEqual(newPasswords, ["A-New-Long-Passw0rd"]);
        assert.deepEqual(user, { sub: "3f1c2d4e-0000-4000-8000-000000000001", email: "new@example.com" });
    });
});
