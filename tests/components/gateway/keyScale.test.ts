// 500 gateway keys: the key table travels in the packages of the gateway function and its authorizer, not in their
// environments (Lambda allows 4 KB of variables in all, about 50 keys' worth), and each serialized package, loaded
// in a fresh Node process with only what nodejs22.x provides, knows every key.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { StackRun } from "../../../tools/internal/harness";
import { one, runBedrock, runCaller } from "../../support/stacks";
import { functionEnv, runLambda, unpackFunction } from "../../../emulation/lambdaRunner";
import { gatewayProcessEnv } from "../../support/lambdaProcess";
import { scratchDir } from "../../../emulation/scratch";
import { environmentBytes, LAMBDA_ENVIRONMENT_LIMIT_BYTES } from "../../../components/shared/nodeFunction";

const COUNT = 500;
const JP = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
const FN = "aws:lambda/function:Function";
const name = (i: number) => `application-${String(i).padStart(3, "0")}`;
// Every third key limited to one model (by alias) with token windows: the settings are read, not only the names.
const KEYS = Array.from({ length: COUNT }, (_, i) =>
    i % 3
        ? { name: name(i) }
        : { name: name(i), models: ["sonnet"], tokensPerMinute: 1000 + i, tokensPerDay: 9000 + i },
);

// Loads the package as Lambda would and answers GET /v1/models for each key name given (and for one unknown).
const CHILD = `
"use strict";
const fs = require("fs");
const path = require("path");
const { Writable } = require("stream");
const [dir, namesFile, out] = process.argv.slice(1);
const { handler } = require(path.join(dir, "__index.js"));
async function models(keyName) {
    const chunks = [];
    const stream = new Writable({ write(c, _e, done) { chunks.push(Buffer.from(c)); done(); } });
    const finished = new Promise(r => stream.on("finish", r));
    const event = { httpMethod: "GET", path: "/prod/v1/models", headers: {}, requestContext: { authorizer: { keyName } } };
    await handler(event, stream, { awsRequestId: "r", invokedFunctionArn: "arn:aws:lambda:ap-northeast-1:111111111111:function:gw" });
    await finished;
    const all = Buffer.concat(chunks);
    const at = all.indexOf(Buffer.alloc(8));
    return { status: JSON.parse(all.subarray(0, at).toString()).statusCode, body: JSON.parse(all.subarray(at + 8).toString()) };
}
(async () => {
    const answers = {};
    for (const n of JSON.parse(fs.readFileSync(namesFile, "utf8"))) answers[n] = await models(n);
    fs.writeFileSync(out, JSON.stringify(answers));
})().then(() => process.exit(0), e => { console.error(e); process.exit(1); });
`;

describe(`WorkloadGateway with ${COUNT} keys`, function () {
    this.timeout(300000);
    let run: StackRun;
    const dirs: string[] = [];

    before(async () => {
        run = await runCaller(await runBedrock(), {
            "bedrock-bridge:gateway": { keys: KEYS, aliases: { sonnet: JP } },
        });
    });
    after(() => dirs.forEach(d => fs.rmSync(d, { recursive: true, force: true })));

    it("keeps both functions' environments under Lambda's 4 KB", () => {
        for (const fn of ["gateway", "gateway-authorizer"]) {
            const bytes = environmentBytes(functionEnv(one(run, FN, fn)));
            assert.ok(bytes < LAMBDA_ENVIRONMENT_LIMIT_BYTES / 2, `${fn}: ${bytes} bytes of environment`);
        }
    });

    it("the gateway's serialized package knows every key's models, in a fresh process", async () => {
        const dir = await unpackFunction(one(run, FN, "gateway"), "gateway-500");
        dirs.push(dir);
        const work = scratchDir("bb-keys-");
        dirs.push(work);
        const names = [...KEYS.map(k => k.name), "not-a-key"];
        fs.writeFileSync(path.join(work, "names.json"), JSON.stringify(names));
        const out = path.join(work, "out.json");
        const stderr = await new Promise<string>((resolve, reject) => {
            const child = spawn(process.execPath, ["-e", CHILD, dir, path.join(work, "names.json"), out], {
                cwd: work,
                env: gatewayProcessEnv(functionEnv(one(run, FN, "gateway"))),
            });
            let err = "";
            child.stderr.on("data", d => (err += d));
            child.on("error", reject);
            child.on("exit", code => (code === 0 ? resolve(err) : reject(new Error(`child exited ${code}: ${err}`))));
        });
        const answers = JSON.parse(fs.readFileSync(out, "utf8")) as Record<
            string,
            { status: number; body: { data?: { id: string }[] } }
        >;
        for (const [i, k] of KEYS.entries()) {
            const a = answers[k.name];
            assert.equal(a.status, 200, `${k.name}: ${JSON.stringify(a)} ${stderr.slice(0, 500)}`);
            const ids = a.body.data!.map(m => m.id);
            if (i % 3) assert.ok(ids.length > 2, `${k.name} may use every model`);
            else assert.deepEqual(ids.sort(), [JP, "sonnet"].sort(), `${k.name} is limited to its model`);
        }
        assert.equal(answers["not-a-key"].status, 401);
    });

    it("the authorizer's serialized package admits every key by its value, in a fresh process", async () => {
        const fn = one(run, FN, "gateway-authorizer");
        const dir = await unpackFunction(fn, "gateway-authorizer-500");
        dirs.push(dir);
        const methodArn = "arn:aws:execute-api:ap-northeast-1:111111111111:abc123/prod/POST/v1/messages";
        const value = (n: string) => String(one(run, "aws:apigateway/apiKey:ApiKey", `gateway-key-${n}`).state.value);
        const events = KEYS.map(k => ({ type: "REQUEST", methodArn, headers: { "x-api-key": value(k.name) } }));
        const { steps } = await runLambda(dir, [{ events }], functionEnv(fn));
        assert.equal(steps[0].length, COUNT);
        steps[0].forEach((r, i) => {
            assert.ok(r.ok, JSON.stringify(r));
            assert.equal(r.value.context?.keyName, KEYS[i].name);
            assert.equal(r.value.policyDocument.Statement[0].Effect, "Allow");
        });
    });
});
