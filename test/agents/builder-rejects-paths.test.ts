// Builder patch safety, paths: traversal, absolute, .git/, .factory/, symlinks.
import t from "tap";
import { withEngines } from "#test/helpers/engines.ts";
import { defineRejectionTests, REJECTIONS } from "./helpers/rejections.ts";

// One dynalite + s3rver for the whole file; every test uses its own run id.
defineRejectionTests(t, withEngines(t), REJECTIONS.slice(0, 8));
