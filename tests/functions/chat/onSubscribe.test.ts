// The chat namespace's onSubscribe handler (APPSYNC_JS): linted by @aws-appsync/eslint-plugin, then run with a
// stubbed `util` against subscribers trying to reach channels that are not theirs.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as vm from "vm";
import { ESLint } from "eslint";

const FILE = path.join(__dirname, "..", "..", "..", "functions", "chat", "appsync", "onSubscribe.js");
const NS = "bedrock-stream-response";
const ALICE = "7d3c1f2a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
const BOB = "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d";

/** Loads the handler as AppSync would run it, with `util.unauthorized()` throwing like the real one. */
function loadHandler(): (ctx: any) => void {
    const src = fs
        .readFileSync(FILE, "utf8")
        .replace(/^import \{ util \} from ["']@aws-appsync\/utils["'];$/m, "")
        .replace(/^export function /gm, "function ");
    const util = {
        unauthorized: () => {
            throw Object.assign(new Error("Unauthorized"), { unauthorized: true });
        },
    };
    const sandbox: any = { util };
    vm.runInNewContext(`${src}\nthis.onSubscribe = onSubscribe;`, sandbox);
    return sandbox.onSubscribe;
}

/** Segments the way AppSync splits a channel path: "/a/b/c" -> ["a","b","c"]. */
function ctxFor(channelPath: string, sub: string | undefined, namespace = NS) {
    return {
        identity: sub === undefined ? {} : { sub, username: "u", issuer: "https://cognito-idp", claims: { sub } },
        info: {
            channel: { path: channelPath, segments: channelPath.split("/").slice(1) },
            channelNamespace: { name: namespace },
            operation: "SUBSCRIBE",
        },
    };
}

describe("chat onSubscribe handler (APPSYNC_JS)", () => {
    const onSubscribe = loadHandler();
    const allowed = (p: string, sub: string | undefined) => {
        try {
            onSubscribe(ctxFor(p, sub));
            return true;
        } catch (e) {
            if ((e as any).unauthorized) return false;
            throw e;
        }
    };

    it("passes the AppSync JS lint rules (@aws-appsync/eslint-plugin)", async () => {
        const appsync = require("@aws-appsync/eslint-plugin");
        const eslint = new ESLint({
            overrideConfigFile: true,
            overrideConfig: [
                {
                    ...appsync.configs.base,
                    languageOptions: { ...appsync.configs.base.languageOptions, sourceType: "module" },
                },
            ],
        });
        const [result] = await eslint.lintFiles([FILE]);
        assert.deepEqual(
            result.messages.map(m => `${m.line}: ${m.ruleId} ${m.message}`),
            [],
        );
        assert.ok(Object.keys(appsync.configs.base.rules).length >= 15);
    });

    it("the lint catches what APPSYNC_JS refuses (the check is live)", async () => {
        const appsync = require("@aws-appsync/eslint-plugin");
        const eslint = new ESLint({
            overrideConfigFile: true,
            overrideConfig: [
                {
                    ...appsync.configs.base,
                    languageOptions: { ...appsync.configs.base.languageOptions, sourceType: "module" },
                },
            ],
        });
        const [r] = await eslint.lintText(
            "export function onSubscribe(ctx) { try { if (/x/.test(ctx.info.channel.path)) {} } catch (e) {} }",
            { filePath: "x.js" },
        );
        assert.ok(r.messages.some(m => m.ruleId === "@aws-appsync/no-try"));
        assert.ok(r.messages.some(m => m.ruleId === "@aws-appsync/no-regex"));
    });

    const table: [string, string, string | undefined, boolean][] = [
        ["own session", `/${NS}/${ALICE}/s-1`, ALICE, true],
        ["own sessions by wildcard", `/${NS}/${ALICE}/*`, ALICE, true],
        ["another user's session", `/${NS}/${BOB}/s-1`, ALICE, false],
        ["another user's sessions by wildcard", `/${NS}/${BOB}/*`, ALICE, false],
        ["a sub that extends the subscriber's (prefix match would allow)", `/${NS}/${ALICE}0/s-1`, ALICE, false],
        ["a sub that is a prefix of the subscriber's", `/${NS}/${ALICE.slice(0, 8)}/s-1`, ALICE, false],
        ["sub glued to the session (prefix match would allow)", `/${NS}/${ALICE}-s-1`, ALICE, false],
        ["whole API wildcard /*", "/*", ALICE, false],
        ["namespace wildcard /ns/*", `/${NS}/*`, ALICE, false],
        ["sub segment as wildcard", `/${NS}/*/s-1`, ALICE, false],
        ["missing session segment", `/${NS}/${ALICE}`, ALICE, false],
        ["empty session segment", `/${NS}/${ALICE}/`, ALICE, false],
        ["extra segment", `/${NS}/${ALICE}/s-1/extra`, ALICE, false],
        ["extra segment with wildcard", `/${NS}/${ALICE}/s-1/*`, ALICE, false],
        ["empty sub segment", `/${NS}//s-1`, ALICE, false],
        ["other namespace", `/default/${ALICE}/s-1`, ALICE, false],
        ["no sub in identity (IAM or API key subscriber)", `/${NS}/${ALICE}/s-1`, undefined, false],
        ["empty sub", `/${NS}//s-1`, "", false],
        ["wildcard sub cannot match a wildcard segment", `/${NS}/*/*`, "*", false],
        ["case differs", `/${NS}/${ALICE.toUpperCase()}/s-1`, ALICE, false],
        ["encoded slash in the sub segment", `/${NS}/${ALICE}%2Fs-1/x`, ALICE, false],
        ["unicode look-alike dash", `/${NS}/${ALICE.replace("-", "\u2010")}/s-1`, ALICE, false],
        ["trailing space", `/${NS}/${ALICE} /s-1`, ALICE, false],
        ["dot segments", `/${NS}/${ALICE}/../${BOB}/s-1`, ALICE, false],
        // Session segments follow the relay's channel rule: [A-Za-z0-9-], 1..50 (AppSync's namespace rule).
        ["a UUID session id", `/${NS}/${ALICE}/${BOB}`, ALICE, true],
        ["a 50-character session id", `/${NS}/${ALICE}/${"s".repeat(50)}`, ALICE, true],
        ["a 51-character session id", `/${NS}/${ALICE}/${"s".repeat(51)}`, ALICE, false],
        ["an underscore in the session id", `/${NS}/${ALICE}/s_1`, ALICE, false],
        ["a dot in the session id", `/${NS}/${ALICE}/s.1`, ALICE, false],
        ["a partial wildcard in the session id", `/${NS}/${ALICE}/s-*`, ALICE, false],
    ];
    for (const [label, channel, sub, expected] of table) {
        it(`${expected ? "allows" : "refuses"} ${label}: ${channel}`, () => {
            assert.equal(allowed(channel, sub), expected);
        });
    }

    it("refuses what the seed's startsWith check accepted (a longer sub)", () => {
        const seed = (p: string, sub: string) => p.startsWith(`/${NS}/${sub}`);
        assert.equal(seed(`/${NS}/${ALICE}0/s-1`, ALICE), true);
        assert.equal(allowed(`/${NS}/${ALICE}0/s-1`, ALICE), false);
    });
});
