// The policy pack's trust rule and organization-wide trust (issue 13): a "*" principal is fine only when an
// organization condition narrows it; aws:PrincipalArn with a wildcard account alone matches every AWS customer.
import { strict as assert } from "assert";
import { rule } from "../../policy/rules";
import { tenantTrustPolicy } from "../../components/governance/governancePolicies";

const NAME = "cross-account-trust-has-principal-condition";
const ACCOUNT = "222222222222";
const role = (...Statement: object[]) => ({
    type: "aws:iam/role:Role",
    name: "tenant-role",
    props: { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement }) },
});
const violations = (r: ReturnType<typeof role>) => rule(NAME).check(r, { accountId: ACCOUNT, config: {} });
const assume = (Principal: unknown, Condition?: object) => ({
    Effect: "Allow",
    Principal,
    Action: "sts:AssumeRole",
    ...(Condition ? { Condition } : {}),
});

describe("policy pack: organization-wide trust", () => {
    it("accepts the tenant trust the program writes: * narrowed by aws:PrincipalOrgID (and OU paths) plus the role path", () => {
        for (const paths of [undefined, ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"]]) {
            const statements = tenantTrustPolicy("ap-northeast-1", {
                kind: "organization",
                orgId: "o-a1b2c3d4e5",
                paths,
                rolePath: "/bedrock-bridge/",
            });
            assert.deepEqual(violations(role(...statements)), []);
        }
        assert.deepEqual(
            violations(
                role(
                    assume(
                        { AWS: "*" },
                        {
                            "ForAnyValue:StringLike": {
                                "aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"],
                            },
                        },
                    ),
                ),
            ),
            [],
            "OU paths alone also narrow",
        );
    });

    it("rejects * without conditions, with only aws:PrincipalArn on every account, or with a wildcard organization", () => {
        for (const r of [
            role(assume("*")),
            role(assume({ AWS: "*" })),
            role(assume({ AWS: "*" }, { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/bedrock-bridge/*" } })),
            role(assume({ AWS: "*" }, { StringLike: { "aws:PrincipalOrgID": "*" } })),
        ]) {
            const v = violations(r);
            assert.equal(v.length, 1, JSON.stringify(r.props));
            assert.match(
                v[0],
                /trusts every AWS principal \("\*"\) without an aws:PrincipalOrgID or aws:PrincipalOrgPaths condition/,
            );
        }
    });

    it("still accepts listed accounts narrowed by aws:PrincipalArn", () => {
        const statements = tenantTrustPolicy("ap-northeast-1", {
            kind: "accounts",
            accountIds: ["111111111111"],
            rolePath: "/bedrock-bridge/",
        });
        assert.deepEqual(violations(role(...statements)), []);
    });
});
