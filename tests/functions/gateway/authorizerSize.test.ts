// The authorizer refuses a body Lambda would not take (over 6 MB) before the function is invoked: allowed with a
// usage identifier that is no API key, which API Gateway answers with INVALID_API_KEY, the gateway's 413.
import { strict as assert } from "assert";
import {
    contentLength,
    createAuthorizerHandler,
    MAX_BODY_BYTES,
    sha256Hex,
    TOO_LARGE_USAGE_KEY,
} from "../../../functions/gateway/authorizer";
import { GATEWAY_ERRORS } from "../../../components/gateway/gatewayResponses";

const KEY = "bbk-0123456789abcdef0123456789abcdef";
const methodArn = "arn:aws:execute-api:ap-northeast-1:111111111111:abc123/prod/POST/v1/messages";
const handler = createAuthorizerHandler({}, JSON.stringify({ [sha256Hex(KEY)]: "app" }));
const call = (headers: Record<string, string>) => handler({ type: "REQUEST", methodArn, headers });

describe("gateway authorizer: bodies over Lambda's 6 MB", () => {
    let logged: string[];
    const log = console.log;
    beforeEach(() => {
        logged = [];
        console.log = (line: string) => void logged.push(line);
    });
    afterEach(() => (console.log = log));

    it("refuses a declared body over 6 MB, with or without a good key, never naming a key", async () => {
        const cases: Record<string, string>[] = [
            { "x-api-key": KEY, "Content-Length": String(MAX_BODY_BYTES + 1) },
            { authorization: "Bearer not-a-key", "content-length": "7340032" },
            { "content-length": "9999999" },
        ];
        for (const headers of cases) {
            const r = await call(headers);
            assert.equal(r.usageIdentifierKey, TOO_LARGE_USAGE_KEY, JSON.stringify(headers));
            assert.equal(r.policyDocument.Statement[0].Effect, "Allow");
            assert.equal(r.context, undefined, "no key name: the function would refuse it too");
        }
        assert.ok(logged.every(l => JSON.parse(l).event === "gateway-body-too-large"));
        assert.ok(!logged.join().includes(KEY));
    });

    it("takes a body of 6 MB or less, and one that declares no length, as before", async () => {
        for (const length of [String(MAX_BODY_BYTES), "120", undefined, "12, 13", "-5"]) {
            const r = await call({ "x-api-key": KEY, ...(length === undefined ? {} : { "content-length": length }) });
            assert.equal(r.usageIdentifierKey, KEY, String(length));
            assert.equal(r.context?.keyName, "app");
        }
        assert.equal(contentLength({ "Content-Length": " 42 " }), 42);
    });

    it("the usage identifier is no key value API Gateway generates, and INVALID_API_KEY is the gateway's 413", () => {
        // API Gateway's generated keys are 40 alphanumeric characters; this one has hyphens.
        assert.ok(!/^[A-Za-z0-9]{40}$/.test(TOO_LARGE_USAGE_KEY));
        const r = GATEWAY_ERRORS.find(e => e.responseType === "INVALID_API_KEY")!;
        assert.equal(r.statusCode, "413");
        assert.match(r.message!, /over 6 MB/);
    });
});
