/** Process settings from the environment, read once. */
export interface ServerConfig {
  port: number;
  host: string;
  dev: boolean;
}

export function serverConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got '${env.PORT}'`);
  return { port, host: env.HOST ?? "0.0.0.0", dev: env.NODE_ENV !== "production" };
}
