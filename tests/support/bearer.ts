// Bedrock API key helpers shared by the bearer-token tests: Bedrock's two key errors, a decoder for short-term
// keys, and a fake-Bedrock gate that only lets a short-term key through.
import { strict as assert } from "assert";
import {
    BedrockAnswer,
    BedrockRequest,
    bedrockError,
    converseAnswer,
    FakeBedrock,
    FakeSts,
} from "../../emulation/fakes";

export const EXPIRED = "Bearer Token has expired";
export const INVALID = "Authentication failed: Please make sure your API Key is valid.";

/** The presigned URL inside a short-term key, as query parameters. */
export function decodeShortTermKey(token: string): URLSearchParams {
    assert.ok(token.startsWith("bedrock-api-key-"), `not a short-term key: ${token.slice(0, 20)}`);
    const url = Buffer.from(token.slice("bedrock-api-key-".length), "base64").toString("utf8");
    assert.ok(url.startsWith("bedrock.amazonaws.com/?"), url.slice(0, 40));
    return new URLSearchParams(url.slice(url.indexOf("?") + 1));
}

/** Fake Bedrock's gate: only `Authorization: Bearer bedrock-api-key-…` passes; otherwise Bedrock's own answer. */
export function requireShortTermBearer(next: (req: BedrockRequest) => BedrockAnswer = () => converseAnswer("ok")) {
    return (req: BedrockRequest): BedrockAnswer => {
        if (!req.signedBy.bearer?.startsWith("bedrock-api-key-")) return bedrockError("AccessDeniedException", INVALID);
        return next(req);
    };
}

/** Fresh fake STS and Bedrock (letting only a short-term key through) around each test of the calling suite. */
export function fakeEndpoints(): { sts: FakeSts; bedrock: FakeBedrock; env(): Record<string, string> } {
    const f = {
        sts: undefined as unknown as FakeSts,
        bedrock: undefined as unknown as FakeBedrock,
        env: () => ({ AWS_ENDPOINT_URL_STS: f.sts.url, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: f.bedrock.url }),
    };
    beforeEach(async () => {
        f.sts = await new FakeSts().start();
        f.bedrock = await new FakeBedrock().start();
        f.bedrock.handler = requireShortTermBearer();
    });
    afterEach(async () => {
        await f.sts.stop();
        await f.bedrock.stop();
    });
    return f;
}
