import { parseStackConfig, readRawConfig, type StackConfig } from "#infra/config.ts";
import { createFactory, type FactoryOutputs } from "#infra/factory.ts";
import { substitutePlaceholders } from "#infra/stepfunctions/substitute.ts";
import {
  aslTemplate,
  fakeCode,
  installMocks,
  modelSecretNames,
  type Recorded,
  recorded,
  settle,
  stackValues,
} from "./harness.ts";

export interface StackRun {
  stack: string;
  config: StackConfig;
  outputs: Awaited<ReturnType<typeof settle<FactoryOutputs>>>;
  resources: Recorded[];
  of(type: string): Recorded[];
  one(type: string, nameIncludes?: string): Recorded;
}

/** Run the whole program for a stack's example config under the mocks (one stack at a time). */
export async function runStack(
  stack: string,
  edit?: (raw: Record<string, unknown>) => void,
  template: string = aslTemplate(),
): Promise<StackRun> {
  await installMocks();
  recorded.length = 0;
  const values = stackValues(stack);
  const raw = readRawConfig((k) => values.get(k));
  edit?.(raw);
  const config = parseStackConfig(raw);
  const outputs = await settle(
    createFactory(config, {
      stack,
      aslTemplate: template,
      substitute: substitutePlaceholders,
      modelSecretNames: modelSecretNames(),
      lambdaCode: fakeCode,
    }),
  );
  const resources = recorded.splice(0);
  const of = (type: string) => resources.filter((r) => r.type === type);
  return {
    stack,
    config,
    outputs,
    resources,
    of,
    one(type, nameIncludes) {
      const hits = of(type).filter((r) => nameIncludes === undefined || r.name.includes(nameIncludes));
      if (hits.length !== 1)
        throw new Error(`expected one ${type} ${nameIncludes ?? ""}, found ${hits.length}`);
      return hits[0]!;
    },
  };
}
