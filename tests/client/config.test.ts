// The client reads a caller stack's own outputs (as `pulumi stack output --json` prints them): the program under
// mocks gives those outputs, with the stack's limits, and nothing else is needed.
import { strict as assert } from "assert";
import { endpointsFromOutputs } from "../../client/config";
import { isChatError } from "../../client/errors";
import { runBedrock, runCaller } from "../support/stacks";

describe("client: endpoints from a caller stack's outputs", () => {
    it("takes every endpoint, id and the request limits from the outputs", async () => {
        const bedrock = await runBedrock();
        const run = await runCaller(bedrock, {
            "bedrock-bridge:chat": {
                allowedOrigins: ["https://chat.example.com"],
                maxPriorTurns: 3,
                maxTurnChars: 500,
                maxPromptChars: 1000,
            },
        });
        const o = JSON.parse(JSON.stringify(run.outputs)) as Record<string, unknown>;
        const e = endpointsFromOutputs(o);
        assert.equal(e.restEndpoint, o.chatRestEndpoint);
        assert.match(e.restEndpoint, /^https:\/\/.+\.execute-api\.ap-northeast-1\.amazonaws\.com\/prod\/chat$/);
        assert.match(e.eventsHttpEndpoint, /^https:\/\/.+\/event$/);
        assert.equal(e.userPoolId, o.chatUserPoolId);
        assert.equal(e.userPoolClientId, o.chatUserPoolClientId);
        assert.equal(e.region, "ap-northeast-1");
        assert.equal(e.namespace, "bedrock-stream-response");
        assert.equal(e.userPoolEndpoint, undefined, "a deployed stack uses AWS's Cognito endpoint");
        assert.deepEqual(e.limits, { minPromptChars: 1, maxPromptChars: 1000, maxPriorTurns: 3, maxTurnChars: 500 });
    });

    it("says what is missing when the stack has no chat backend, and lets flags fill in", () => {
        try {
            endpointsFromOutputs({ side: "caller", region: "us-east-1" });
            assert.fail("should throw");
        } catch (e) {
            assert.ok(isChatError(e));
            assert.match(
                e.message,
                /chatRestEndpoint, chatEventsHttpEndpoint, chatUserPoolId, chatUserPoolClientId.*bedrock-bridge:chat/,
            );
        }
        const e = endpointsFromOutputs(
            {},
            {
                restEndpoint: "https://r/chat",
                eventsHttpEndpoint: "https://e/event",
                userPoolId: "eu-west-1_abc",
                userPoolClientId: "c",
            },
        );
        assert.equal(e.region, "eu-west-1");
        assert.equal(e.limits.maxPriorTurns, 10);
    });
});
