// Refuse a webhook whose headers already fail authentication (missing or malformed signature
// header, wrong token) in `onRequest`, before any of its body is read: otherwise an
// unauthenticated sender could make the gateway buffer a body up to the route's limit first. The
// connection is closed after the answer, so the unread rest of the upload is not drained either.
import type { FastifyReply, FastifyRequest } from "fastify";

export function authenticateHeadersFirst(
  check: (headers: FastifyRequest["headers"]) => Promise<void> | void,
) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    try {
      await check(request.headers);
    } catch (err) {
      void reply.header("connection", "close");
      throw err;
    }
  };
}
