// The gateway's optional WAF web ACL (bedrock-bridge:gateway.waf): a rate-based rule per client IP, associated with
// the gateway's stage. It acts before API Gateway's own checks, so a flood from one address is refused without an
// authorizer run; AWS WAF custom responses take precedence over gateway responses ("Gateway response types for API
// Gateway", DEFAULT_4XX). The refusal is a 429 in the body both SDKs read (the gateway responses' shape).
//
// AWS WAF: a rate-based rule counts requests per aggregation key (here the client IP) over an evaluation window of
// 60, 120, 300 or 600 seconds and blocks a key over `limit` (at least 10) until its rate falls below it again
// ("Rate-based rule statement", AWS WAF developer guide); a web ACL for an API Gateway stage has scope REGIONAL.
// WAF costs a monthly fee per web ACL and per rule plus a fee per million requests: off unless configured.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { stackResourceName } from "../shared/iam";

export interface GatewayWafArgs {
    /** The stage's ARN (arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>). */
    stageArn: pulumi.Input<string>;
    requestsPerIp: number;
    windowSeconds: number;
}

export const WAF_RETRY_AFTER_SECONDS = 60;
const BODY_KEY = "rate-limited";

/** The body of WAF's 429: OpenAI's error fields and Anthropic's in one object, as the gateway responses. */
export function wafRefusalBody(a: { requestsPerIp: number; windowSeconds: number }): string {
    return JSON.stringify({
        type: "error",
        error: {
            type: "rate_limit_error",
            message: `Too many requests from this address (over ${a.requestsPerIp} in ${a.windowSeconds} s): retry after the retry-after seconds.`,
            code: "rate_limit_exceeded",
            param: null,
        },
    });
}

export function gatewayWaf(
    name: string,
    args: GatewayWafArgs,
    parent: pulumi.Resource,
): { webAcl: aws.wafv2.WebAcl; association: aws.wafv2.WebAclAssociation } {
    const metric = (what: string) => `bedrock-bridge-${pulumi.getStack()}-${name}-${what}`.slice(0, 128);
    const webAcl = new aws.wafv2.WebAcl(
        `${name}-waf`,
        {
            // Named for the stack, so the deploy role is granted exactly it (stackResourceName says why); WAF names
            // take letters, digits, - and _ only, 128 at most.
            name: stackResourceName(`${name}-waf`, { max: 128 }).replace(/[^\w-]/g, "-"),
            description: "bedrock-bridge gateway: requests per client IP",
            scope: "REGIONAL",
            defaultAction: { allow: {} },
            customResponseBodies: [{ key: BODY_KEY, contentType: "APPLICATION_JSON", content: wafRefusalBody(args) }],
            rules: [
                {
                    name: "requests-per-ip",
                    priority: 0,
                    action: {
                        block: {
                            customResponse: {
                                responseCode: 429,
                                customResponseBodyKey: BODY_KEY,
                                responseHeaders: [{ name: "Retry-After", value: String(WAF_RETRY_AFTER_SECONDS) }],
                            },
                        },
                    },
                    statement: {
                        rateBasedStatement: {
                            aggregateKeyType: "IP",
                            limit: args.requestsPerIp,
                            evaluationWindowSec: args.windowSeconds,
                        },
                    },
                    visibilityConfig: {
                        cloudwatchMetricsEnabled: true,
                        metricName: metric("requests-per-ip"),
                        // Sampled requests carry headers, and with them keys: not kept.
                        sampledRequestsEnabled: false,
                    },
                },
            ],
            visibilityConfig: {
                cloudwatchMetricsEnabled: true,
                metricName: metric("web-acl"),
                sampledRequestsEnabled: false,
            },
        },
        { parent },
    );
    const association = new aws.wafv2.WebAclAssociation(
        `${name}-waf`,
        { resourceArn: args.stageArn, webAclArn: webAcl.arn },
        { parent },
    );
    return { webAcl, association };
}
