// API Gateway REST emulation of the chat resource as the stack deploys it: Cognito user pool authorizer
// (id token in Authorization), then the request validator with the deployed draft-04 model, then the mapping
// template (body, sub from the verified token only, request id), an Event invocation of the relay and 202 at
// once. Gateway errors use the stack's gateway response template {message, detail, requestId} and its CORS
// headers; the stage's throttling (rate/burst) answers 429. Unknown methods get API Gateway's 403.
import * as crypto from "crypto";
import type * as http from "http";
import Ajv = require("ajv");
import { TokenIssuer } from "./tokens";
import type { DeployedPieces } from "./stack";
import { MAX_BODY_BYTES } from "./web";

/** What the REST endpoint takes from the deployed stack, exactly as sandbox/stack.ts reads it from the mocked resources. */
export interface RestOptions extends Pick<
    DeployedPieces,
    "schema" | "template" | "allowedOrigins" | "preflight" | "throttling"
> {
    issuer: TokenIssuer;
    /** Runs the integration (an asynchronous Lambda invocation): must not wait for the function. */
    invoke: (event: unknown, requestId: string) => void;
    log: (line: string) => void;
}

type AjvError = { keyword: string; dataPath: string; params: any; data?: unknown; message?: string };

const show = (v: unknown) => JSON.stringify(v);
const typeName = (v: unknown) =>
    v === null
        ? "null"
        : Array.isArray(v)
          ? "array"
          : typeof v === "number"
            ? Number.isInteger(v)
                ? "integer"
                : "number"
            : typeof v;

/**
 * One message per failed keyword, in the wording of the validator API Gateway uses (java-json-tools'
 * json-schema-validator, whose texts appear in $context.error.validationErrorString), e.g.
 * `object has missing required properties (["prompt"])`.
 */
function gatewayMessages(errors: AjvError[], body: unknown): string[] {
    const at = (p: string) =>
        p
            .replace(/^\./, "")
            .split(/\.|\[|\]/)
            .filter(Boolean)
            .reduce((v: any, k) => (v == null ? v : v[/^\d+$/.test(k) ? Number(k) : k.replace(/^'|'$/g, "")]), body);
    const out: string[] = [];
    const missing = new Map<string, string[]>();
    for (const e of errors) {
        const value = at(e.dataPath);
        switch (e.keyword) {
            case "required":
                missing.set(e.dataPath, [
                    ...(missing.get(e.dataPath) ?? []),
                    e.params.missingProperty.replace(/^\./, ""),
                ]);
                break;
            case "additionalProperties":
                out.push(
                    `object instance has properties which are not allowed by the schema: ${show([e.params.additionalProperty])}`,
                );
                break;
            case "type":
                out.push(
                    `instance type (${typeName(value)}) does not match any allowed primitive type (allowed: ${show([e.params.type])})`,
                );
                break;
            case "minLength":
                out.push(
                    `string ${show(value)} is too short (length: ${String(value).length}, required minimum: ${e.params.limit})`,
                );
                break;
            case "maxLength":
                out.push(
                    `string ${show(String(value).slice(0, 40) + "...")} is too long (length: ${String(value).length}, maximum allowed: ${e.params.limit})`,
                );
                break;
            case "pattern":
                out.push(`ECMA 262 regex ${show(e.params.pattern)} does not match input string ${show(value)}`);
                break;
            case "enum":
                out.push(
                    `instance value (${show(value)}) not found in enum (possible values: ${show(e.params.allowedValues)})`,
                );
                break;
            case "maxItems":
                out.push(
                    `array is too long: must have at most ${e.params.limit} elements but instance has ${(value as unknown[]).length} elements`,
                );
                break;
            case "minItems":
                out.push(
                    `array is too short: must have at least ${e.params.limit} elements but instance has ${(value as unknown[]).length} elements`,
                );
                break;
            default:
                out.push(e.message ?? e.keyword);
        }
    }
    for (const props of missing.values()) out.unshift(`object has missing required properties (${show(props.sort())})`);
    return out;
}

/** $util.escapeJavaScript as API Gateway documents it (JavaScript string rules; single quotes are not escaped). */
function escapeJavaScript(s: string): string {
    return s.replace(
        /[\\"\n\r\t\b\f]/g,
        c =>
            (
                ({
                    "\\": "\\\\",
                    '"': '\\"',
                    "\n": "\\n",
                    "\r": "\\r",
                    "\t": "\\t",
                    "\b": "\\b",
                    "\f": "\\f",
                }) as Record<string, string>
            )[c],
    );
}

/** Renders the deployed request template; refuses a template with references this emulation does not know. */
export function renderTemplate(template: string, ctx: { body: string; sub: string; requestId: string }): string {
    const known: [string, string][] = [
        ["$input.json('$')", ctx.body],
        ["$util.escapeJavaScript($context.authorizer.claims.sub)", escapeJavaScript(ctx.sub)],
        ["$context.requestId", ctx.requestId],
    ];
    let out = template;
    for (const [ref, value] of known) out = out.split(ref).join(value);
    const left = /\$[A-Za-z{]/.exec(out.replace(ctx.body, ""));
    if (left)
        throw new Error(
            `the sandbox cannot render the request template: unknown reference near "${out.slice(left.index, left.index + 40)}"`,
        );
    return out;
}

export class RestApi {
    private readonly validate: ((data: unknown) => boolean) & { errors?: AjvError[] | null };
    private tokens: number;
    private last = Date.now();

    constructor(private readonly o: RestOptions) {
        // Draft-04 only (API Gateway's dialect): no draft-07 meta schema, so `id` (not `$id`) names schemas.
        const ajv = new Ajv({ schemaId: "id", allErrors: true, meta: false });
        ajv.addMetaSchema(require("ajv/lib/refs/json-schema-draft-04.json"));
        this.validate = ajv.compile(JSON.parse(o.schema)) as any;
        this.tokens = o.throttling.burstLimit;
    }

    private cors(req: http.IncomingMessage, gateway: boolean): Record<string, string> {
        const origin = String(req.headers.origin ?? "");
        // Integration responses echo an allowed Origin (the corsOverride template); gateway responses
        // (4XX/5XX) carry only the first configured origin, as the deployed static header does.
        const allow = !gateway && this.o.allowedOrigins.includes(origin) ? origin : this.o.allowedOrigins[0];
        return { "access-control-allow-origin": allow, vary: "Origin" };
    }

    private throttled(): boolean {
        const now = Date.now();
        this.tokens = Math.min(
            this.o.throttling.burstLimit,
            this.tokens + ((now - this.last) / 1000) * this.o.throttling.rateLimit,
        );
        this.last = now;
        if (this.tokens < 1) return true;
        this.tokens -= 1;
        return false;
    }

    /**
     * A body over API Gateway's 10 MB payload quota. API Gateway answers it itself, before the authorizer, with the
     * default REQUEST_TOO_LARGE response, which a gateway response cannot customize (API Gateway's known issues:
     * "Customization of the default 413 REQUEST_TOO_LARGE gateway response isn't currently supported"): plain text,
     * no CORS headers, as a deployed REST API answers an 11 MB body. Below the quota the validator answers (400).
     */
    tooLarge(res: http.ServerResponse): void {
        this.o.log(`rest: 413 body over ${MAX_BODY_BYTES} bytes`);
        res.writeHead(413, { "content-type": "text/plain", "x-amzn-requestid": crypto.randomUUID() });
        res.end(`HTTP content length exceeded ${MAX_BODY_BYTES} bytes.`);
    }

    async handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
        const requestId = crypto.randomUUID();
        const send = (status: number, payload: unknown, headers: Record<string, string>) => {
            res.writeHead(status, { "content-type": "application/json", "x-amzn-requestid": requestId, ...headers });
            res.end(JSON.stringify(payload));
        };
        const gatewayError = (status: number, message: string, detail = "") => {
            this.o.log(`rest: ${status} ${message}${detail ? ` ${detail}` : ""}`);
            send(status, { message, detail, requestId }, this.cors(req, true));
        };
        if (req.method === "OPTIONS") {
            return send(
                200,
                {},
                {
                    ...this.cors(req, false),
                    "access-control-allow-headers": this.o.preflight.headers,
                    "access-control-allow-methods": this.o.preflight.methods,
                    "access-control-max-age": this.o.preflight.maxAge,
                },
            );
        }
        if (req.method !== "POST") return gatewayError(403, "Missing Authentication Token");
        if (this.throttled()) return gatewayError(429, "Too Many Requests");

        // 1. The Cognito authorizer (before the body is looked at): a valid id token of this pool's client, as
        //    the raw header value. A "Bearer " prefix is refused here: clients that work against the sandbox
        //    must not depend on the gateway tolerating it.
        const auth = req.headers.authorization;
        if (!auth) return gatewayError(401, "Unauthorized");
        let sub: string;
        try {
            sub = (await this.o.issuer.verify(auth, ["id"])).sub;
        } catch (e) {
            // API Gateway's Cognito authorizer says why only for an expired token ({"message":"The incoming token
            // has expired"}, as clients report it, e.g. aws-amplify/amplify-js#6060); anything else is "Unauthorized".
            const expired = (e as { code?: string }).code === "ERR_JWT_EXPIRED";
            return gatewayError(401, expired ? "The incoming token has expired" : "Unauthorized");
        }

        // 2. Content type: the method has a model and a template for application/json only (passthrough NEVER).
        const type = String(req.headers["content-type"] ?? "application/json")
            .split(";")[0]
            .trim()
            .toLowerCase();
        if (type !== "application/json") return gatewayError(415, "Unsupported Media Type");

        // 3. The request validator with the deployed model.
        let parsed: unknown;
        try {
            parsed = JSON.parse(body || "{}");
        } catch (e) {
            return gatewayError(400, "Invalid request body", `[Invalid JSON: ${(e as Error).message}]`);
        }
        if (!this.validate(parsed))
            return gatewayError(
                400,
                "Invalid request body",
                `[${gatewayMessages(this.validate.errors ?? [], parsed).join(", ")}]`,
            );

        // 4. The integration request template, then an Event invocation; the integration response is 202.
        const event = JSON.parse(renderTemplate(this.o.template, { body: JSON.stringify(parsed), sub, requestId }));
        this.o.invoke(event, requestId);
        this.o.log(`rest: 202 ${requestId} sub=${sub}`);
        send(202, { requestId }, this.cors(req, false));
    }
}
