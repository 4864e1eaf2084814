// Keep request bodies as raw bytes: signatures are verified on exactly what was sent, and JSON is
// parsed only afterwards (gateway/json.ts). Any content type other than JSON gets 415.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export const rawBody = fp(
  async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, body, done) => {
      done(null, body);
    });
  },
  { name: "pf-raw-body", fastify: "5.x" },
);
