// Lambda response streaming and its local stand-in (functions/gateway/responseStream.ts). Without the `awslambda`
// global the stand-in must keep Lambda's calling convention and write what API Gateway reads from a streamed proxy
// integration: the metadata JSON, 8 null bytes, then the body, on a real Node Writable, to its end. With the global
// (as in Lambda, and as the sandbox defines it) the runtime's own must be used. Both in process, and in the gateway's
// serialized package in a fresh Node process (where a module-level typed array does not survive serialization).
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Writable } from "stream";
import {
    LOCAL_RUNTIME,
    send,
    streamingRuntime,
    type Prelude,
    type ResponseStream,
    type StreamingRuntime,
} from "../../../functions/gateway/responseStream";
import { functionEnv, unpackFunction } from "../../../emulation/lambdaRunner";
import { gatewayProcessEnv } from "../../support/lambdaProcess";
import { scratchDir } from "../../../emulation/scratch";
import { one, runBedrock, runCaller } from "../../support/stacks";

const DELIMITER = Buffer.alloc(8);

/** A Lambda-like response stream: a real Writable (it refuses anything but strings and bytes), each write kept. */
function collector() {
    const chunks: Buffer[] = [];
    const stream = new Writable({
        write(chunk: Buffer, _enc, done) {
            chunks.push(Buffer.from(chunk));
            done();
        },
    });
    const finished = new Promise<void>((resolve, reject) => {
        stream.on("finish", resolve);
        stream.on("error", reject);
    });
    return { stream, chunks, finished };
}

/** Waits for a stream's end, failing soon (not at mocha's timeout) when the response is never ended. */
async function ended(finished: Promise<void>, ms = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the response stream was not ended within ${ms} ms`)), ms);
    });
    await Promise.race([finished, late]).finally(() => clearTimeout(timer));
}

/** What API Gateway does with a streamed integration's bytes: the metadata up to the first 8 null bytes, then the body. */
function asApiGateway(bytes: Buffer): { prelude: Prelude; body: string } {
    const at = bytes.indexOf(DELIMITER);
    assert.ok(at > 0, `no metadata and 8 null bytes in ${JSON.stringify(bytes.toString("latin1"))}`);
    return {
        prelude: JSON.parse(bytes.subarray(0, at).toString("utf8")) as Prelude,
        body: bytes.subarray(at + 8).toString("utf8"),
    };
}

type Global = { awslambda?: unknown };
const global = globalThis as unknown as Global;

/** Runs `fn` with the `awslambda` global set to `value` (undefined: absent), restoring what was there. */
async function withAwslambda<T>(value: unknown, fn: () => Promise<T> | T): Promise<T> {
    const had = Object.prototype.hasOwnProperty.call(global, "awslambda");
    const before = global.awslambda;
    if (value === undefined) delete global.awslambda;
    else global.awslambda = value;
    try {
        return await fn();
    } finally {
        if (had) global.awslambda = before;
        else delete global.awslambda;
    }
}

describe("gateway response stream: the local stand-in (no awslambda global)", () => {
    it("is taken when the runtime gives no awslambda global, or one without streamifyResponse", async () => {
        await withAwslambda(undefined, () => assert.equal(streamingRuntime(), LOCAL_RUNTIME));
        await withAwslambda({ HttpResponseStream: {} }, () => assert.equal(streamingRuntime(), LOCAL_RUNTIME));
    });

    it("calls the handler as Lambda does and streams status and headers, 8 null bytes, the body, to the end", async () => {
        const handler = await withAwslambda(undefined, () => {
            const runtime = streamingRuntime();
            return runtime.streamifyResponse<{ status: number; parts: string[] }, { awsRequestId: string }>(
                async (event, responseStream, context) => {
                    const headers = { "content-type": "text/event-stream", "x-request-id": context.awsRequestId };
                    const s = runtime.HttpResponseStream.from(responseStream, { statusCode: event.status, headers });
                    assert.equal(s, responseStream, "the body goes to the same stream, so ending it ends the response");
                    for (const p of event.parts) await send(s, p);
                    s.end();
                },
            );
        });
        // Two responses of one warm container: each gets its own prelude and delimiter.
        for (const [status, parts] of [
            [200, ['data: {"a":1}\n\n', 'data: "é…🙂"\n\n', "data: [DONE]\n\n"]],
            [429, ['{"error":{"type":"rate_limit_error"}}']],
        ] as const) {
            const { stream, chunks, finished } = collector();
            await handler({ status, parts: [...parts] }, stream, { awsRequestId: `req-${status}` });
            await ended(finished);
            assert.ok(stream.writableFinished, "the stream is ended");
            const prelude = {
                statusCode: status,
                headers: { "content-type": "text/event-stream", "x-request-id": `req-${status}` },
            };
            // The metadata and the delimiter come first, each as its own write, before any body byte.
            assert.deepEqual(chunks[0].toString("utf8"), JSON.stringify(prelude));
            assert.deepEqual(chunks[1], DELIMITER);
            const bytes = Buffer.concat(chunks);
            assert.deepEqual(
                bytes,
                Buffer.concat([Buffer.from(JSON.stringify(prelude)), DELIMITER, Buffer.from(parts.join(""))]),
            );
            const seen = asApiGateway(bytes);
            assert.deepEqual(seen.prelude, prelude);
            assert.equal(seen.body, parts.join(""));
        }
    });

    it("writes a prelude without headers as just the status", async () => {
        const { stream, chunks, finished } = collector();
        LOCAL_RUNTIME.HttpResponseStream.from(stream, { statusCode: 204 }).end();
        await ended(finished);
        assert.deepEqual(Buffer.concat(chunks), Buffer.concat([Buffer.from('{"statusCode":204}'), DELIMITER]));
    });
});

describe("gateway response stream: Lambda's awslambda global", () => {
    it("is used instead of the stand-in: its streamifyResponse wraps the handler, its HttpResponseStream writes the prelude", async () => {
        const calls: string[] = [];
        const fake: StreamingRuntime = {
            streamifyResponse: h => {
                calls.push("streamifyResponse");
                return (e, s, c) => h(e, s, c);
            },
            HttpResponseStream: {
                from(stream: ResponseStream, prelude: Prelude) {
                    calls.push(`from ${prelude.statusCode}`);
                    stream.write("RUNTIME PRELUDE|");
                    return stream;
                },
            },
        };
        await withAwslambda(fake, async () => {
            const runtime = streamingRuntime();
            assert.equal(runtime, fake);
            const handler = runtime.streamifyResponse<unknown, unknown>(async (_e, rs) => {
                const s = runtime.HttpResponseStream.from(rs, { statusCode: 201 });
                await send(s, "body");
                s.end();
            });
            const { stream, chunks, finished } = collector();
            await handler({}, stream, {});
            await ended(finished);
            assert.equal(Buffer.concat(chunks).toString("utf8"), "RUNTIME PRELUDE|body", "no bytes of the stand-in");
        });
        assert.deepEqual(calls, ["streamifyResponse", "from 201"]);
    });
});

// The child: loads the package as Lambda would (optionally after defining a fake `awslambda` that marks what it
// does), invokes its handler once with a Writable, and writes each chunk (base64) and what the fake saw.
const CHILD = `
"use strict";
const fs = require("fs");
const path = require("path");
const { Writable } = require("stream");
const [dir, eventFile, out, mode] = process.argv.slice(1);
const seen = [];
if (mode === "fake")
    globalThis.awslambda = {
        streamifyResponse: h => { seen.push("streamifyResponse"); return (e, s, c) => h(e, s, c); },
        HttpResponseStream: {
            from(stream, prelude) { seen.push("from " + JSON.stringify(prelude)); stream.write("FAKE|"); return stream; },
        },
    };
const { handler } = require(path.join(dir, "__index.js"));
const chunks = [];
const stream = new Writable({ write(c, _e, done) { chunks.push(Buffer.from(c).toString("base64")); done(); } });
const finished = new Promise(r => stream.on("finish", r));
const context = { awsRequestId: "req-1", invokedFunctionArn: "arn:aws:lambda:ap-northeast-1:111111111111:function:gw" };
handler(JSON.parse(fs.readFileSync(eventFile, "utf8")), stream, context)
    .then(() => finished)
    .then(() => fs.writeFileSync(out, JSON.stringify({ chunks, ended: stream.writableFinished, seen })))
    .then(() => process.exit(0), e => { console.error(e); process.exit(1); });
`;

describe("gateway response stream: in the serialized gateway package", function () {
    this.timeout(120000);
    let dir: string;
    let env: Record<string, string>;
    let keyName: string;

    before(async () => {
        const caller = await runCaller(await runBedrock());
        const fn = one(caller, "aws:lambda/function:Function", "gateway");
        dir = await unpackFunction(fn, "gateway");
        env = functionEnv(fn);
        // A key of the stack: its API key is named gateway-key-<name> (the key table is in the package).
        keyName = one(caller, "aws:apigateway/apiKey:ApiKey").name.slice("gateway-key-".length);
    });

    /** GET /v1/models with the authorizer's key name, in a fresh process that has only what nodejs22.x provides. */
    async function listModels(mode: "none" | "fake"): Promise<{ chunks: Buffer[]; ended: boolean; seen: string[] }> {
        const work = scratchDir("bb-stream-");
        const eventFile = path.join(work, "event.json");
        const out = path.join(work, "out.json");
        fs.writeFileSync(
            eventFile,
            JSON.stringify({
                httpMethod: "GET",
                path: "/prod/v1/models",
                headers: { Authorization: "Bearer not-read-here" },
                requestContext: { requestId: "api-req-1", authorizer: { keyName } },
            }),
        );
        const child = spawn(process.execPath, ["-e", CHILD, dir, eventFile, out, mode], {
            cwd: work,
            env: gatewayProcessEnv(env),
        });
        let stderr = "";
        child.stderr.on("data", d => (stderr += d));
        // A response never ended leaves the child with nothing to wait on (it exits without an answer) or hanging.
        const timer = setTimeout(() => child.kill("SIGKILL"), 20000);
        const code = await new Promise<number | null>(r => child.on("exit", r));
        clearTimeout(timer);
        assert.ok(code === 0 && fs.existsSync(out), `the package did not answer and end its response: ${stderr}`);
        const result = JSON.parse(fs.readFileSync(out, "utf8")) as { chunks: string[]; ended: boolean; seen: string[] };
        fs.rmSync(work, { recursive: true, force: true });
        return { ...result, chunks: result.chunks.map(c => Buffer.from(c, "base64")) };
    }

    it("without awslambda, answers through the stand-in: metadata, 8 null bytes, the body, ended", async () => {
        const { chunks, ended } = await listModels("none");
        assert.ok(ended, "the stream is ended");
        const { prelude, body } = asApiGateway(Buffer.concat(chunks));
        assert.equal(prelude.statusCode, 200);
        assert.equal(prelude.headers?.["content-type"], "application/json");
        assert.equal(prelude.headers?.["x-request-id"], "api-req-1");
        const list = JSON.parse(body) as { data: { id: string }[] };
        assert.ok(Array.isArray(list.data) && list.data.length > 0, body);
    });

    it("with awslambda defined before it loads (as in Lambda), uses the runtime's and none of the stand-in", async () => {
        const { chunks, ended, seen } = await listModels("fake");
        assert.ok(ended);
        assert.equal(seen[0], "streamifyResponse", "the handler was wrapped by the runtime at load");
        assert.equal(seen.length, 2, seen.join("; "));
        assert.equal((JSON.parse(seen[1].slice("from ".length)) as Prelude).statusCode, 200);
        const bytes = Buffer.concat(chunks);
        assert.equal(bytes.subarray(0, 5).toString(), "FAKE|");
        assert.equal(bytes.indexOf(DELIMITER), -1, "no delimiter of the stand-in");
        assert.ok(Array.isArray((JSON.parse(bytes.subarray(5).toString("utf8")) as { data: unknown }).data));
    });
});
