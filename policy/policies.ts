// The rules wrapped as @pulumi/policy resource validations (stack validations for rules over several resources) (kept apart from index.ts, which starts the pack).
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { accountFromProvider, RULES } from "./rules";

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = RULES.map(r =>
    r.checkStack
        ? {
              name: r.name,
              description: r.description,
              enforcementLevel: "mandatory",
              configSchema: r.configSchema,
              // Stack validation sees every resource of the preview at once (props are the planned values).
              validateStack: (args, reportViolation) => {
                  const resources = args.resources.map(x => ({
                      type: x.type,
                      name: x.name,
                      urn: x.urn,
                      props: x.props,
                  }));
                  const aws = args.resources.find(x => x.type === "pulumi:providers:aws");
                  for (const v of r.checkStack!(resources, {
                      accountId: accountFromProvider(aws?.props),
                      config: args.getConfig<Record<string, any>>(),
                  })) {
                      reportViolation(v.message, v.resource.urn);
                  }
              },
          }
        : {
              name: r.name,
              description: r.description,
              enforcementLevel: "mandatory",
              configSchema: r.configSchema,
              validateResource: (args, reportViolation) => {
                  const ctx = {
                      accountId: accountFromProvider(args.provider?.props),
                      config: args.getConfig<Record<string, any>>(),
                  };
                  for (const message of r.check(
                      { type: args.type, name: args.name, urn: args.urn, props: args.props },
                      ctx,
                  )) {
                      reportViolation(message);
                  }
              },
          },
);
