/**
 * The orchestrator's probes (README "Run in production"):
 * - `GET /livez`: the process is up and its event loop turns; never touches the database, so
 *   a database outage does not get every process restarted;
 * - `GET /readyz`: send traffic here: the database answers, every migration is applied, and
 *   the process is not draining (503 otherwise, with the reason);
 * - `GET /healthz` (app.ts) stays as documented: up, and the database reachable.
 * While draining (shutdown.ts), every answer carries `Connection: close`, so keep-alive clients
 * move to another process after a complete response instead of finding their connection gone.
 */
import type { FastifyInstance } from "fastify";
import { PROBE_RESPONSES, SECURITY } from "./openapi.js";

export interface Readiness {
  databaseAnswers(): Promise<boolean>;
  migrationsApplied(): Promise<boolean>;
}

/** Whether this app is shutting down (set once, by shutdown.ts). */
export interface DrainState {
  draining: boolean;
}

const states = new WeakMap<FastifyInstance, DrainState>();

/** The drain state of an app that has the probes installed. */
export function drainState(app: FastifyInstance): DrainState {
  const state = states.get(app);
  if (!state) throw new Error("the probes are not installed on this app");
  return state;
}

export function installProbes(app: FastifyInstance, readiness: Readiness): DrainState {
  const state: DrainState = { draining: false };
  states.set(app, state);

  app.addHook("onSend", async (_request, reply) => {
    if (state.draining) reply.header("Connection", "close");
  });

  app.get(
    "/livez",
    {
      schema: {
        tags: ["ops"],
        operationId: "liveness",
        summary: "The process is up (never asks the database)",
        security: SECURITY.none,
        response: { 200: PROBE_RESPONSES[200], 400: PROBE_RESPONSES[400] },
      },
    },
    async (_request, reply) => reply.send({ status: "ok" }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        tags: ["ops"],
        operationId: "readiness",
        summary: "Ready for traffic: database reachable, migrations applied, not draining",
        security: SECURITY.none,
        response: PROBE_RESPONSES,
      },
    },
    async (_request, reply) => {
      const reason = state.draining
        ? "draining"
        : !(await readiness.databaseAnswers())
          ? "database unreachable"
          : !(await readiness.migrationsApplied().catch(() => false))
            ? "migrations not applied"
            : null;
      return reason === null
        ? reply.send({ status: "ready" })
        : reply.code(503).send({ status: "unavailable", reason });
    },
  );
  return state;
}
