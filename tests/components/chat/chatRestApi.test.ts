// The chat REST API when Lambda refuses the asynchronous invocation (429, 5xx): the POST answers an error status
// with CORS, never the default 202, and the client library reports it (issue 19, section 4).
import { strict as assert } from "assert";
import * as http from "http";
import { listenLoopback } from "../../../emulation/fakes";
import { postPrompt } from "../../../client";
import { INVOKE_ERRORS } from "../../../components/chat/chatRestApi";
import { StackRun } from "../../../tools/internal/harness";
import { runBedrock, runCaller } from "../../support/stacks";

const ORIGIN = "https://chat.example.com";

describe("chat REST API: a refused invocation is an error, not 202", () => {
    let caller: StackRun;
    before(async () => {
        caller = await runCaller(await runBedrock(), { "bedrock-bridge:chat": { allowedOrigins: [ORIGIN] } });
    });
    const all = (type: string) => caller.resources.filter(r => r.type === type && r.inputs.httpMethod === "POST");

    it("maps Lambda's 429 to 429 and its 5xx to 502, with CORS and the request id; 202 stays the default", () => {
        const responses = all("aws:apigateway/integrationResponse:IntegrationResponse");
        const byStatus = Object.fromEntries(responses.map(r => [r.inputs.statusCode, r.inputs]));
        assert.deepEqual(Object.keys(byStatus).sort(), ["202", "429", "502"]);
        assert.equal(byStatus["202"].selectionPattern, undefined, "the default response");
        assert.equal(byStatus["429"].selectionPattern, "429");
        assert.equal(byStatus["502"].selectionPattern, "5\\d{2}");
        // The patterns are regexes API Gateway matches against the whole status code.
        const matches = (p: string, s: string) => new RegExp(`^(?:${p})$`).test(s);
        assert.ok(
            matches(byStatus["429"].selectionPattern, "429") && !matches(byStatus["429"].selectionPattern, "202"),
        );
        for (const s of ["500", "502", "503"]) assert.ok(matches(byStatus["502"].selectionPattern, s), s);
        assert.ok(!matches(byStatus["502"].selectionPattern, "202"));
        for (const s of ["429", "502"]) {
            const r = byStatus[s];
            assert.equal(r.responseParameters["method.response.header.Access-Control-Allow-Origin"], `'${ORIGIN}'`);
            assert.match(r.responseTemplates["application/json"], /"requestId":"\$context\.requestId"/);
        }
        const methodStatuses = all("aws:apigateway/methodResponse:MethodResponse").map(r => r.inputs.statusCode);
        assert.deepEqual(methodStatuses.sort(), ["202", "429", "502"]);
    });

    it("the client library reports the answers those responses render: Throttled and ServerError", async () => {
        const answers: Record<string, number> = { "/throttled": 429, "/failed": 502 };
        const server = http.createServer((req, res) => {
            const status = answers[req.url ?? ""];
            const e = INVOKE_ERRORS.find(x => x.statusCode === String(status))!;
            res.writeHead(status, { "content-type": "application/json", "access-control-allow-origin": ORIGIN });
            res.end(JSON.stringify({ message: e.message, requestId: "req-1" }));
        });
        const base = await listenLoopback(server);
        try {
            const body = { prompt: "hi", sessionid: "s-1" };
            const throttled = await postPrompt(`${base}/throttled`, "token", body).then(
                () => assert.fail("a 429 is not accepted"),
                e => e,
            );
            assert.equal(throttled.code, "Throttled");
            assert.equal(throttled.status, 429);
            const failed = await postPrompt(`${base}/failed`, "token", body).then(
                () => assert.fail("a 502 is not accepted"),
                e => e,
            );
            assert.equal(failed.code, "ServerError");
            assert.equal(failed.status, 502);
            assert.match(failed.message, /HTTP 502: The chat backend could not start the answer/);
            assert.equal(failed.requestId, "req-1");
        } finally {
            server.closeAllConnections();
            await new Promise(r => server.close(r));
        }
    });
});
