import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules.ts";

// `pulumi preview --policy-pack policies/crossguard` loads this module; the rules live in
// rules.ts so tests can run them without starting the policy-pack server.
new PolicyPack("protocol-factory", { enforcementLevel: "mandatory", policies });
