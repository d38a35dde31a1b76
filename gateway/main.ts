// Entry point: `npm run gateway`.
import { cache } from '../lib/cache';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { stopTracing } from '../lib/tracing';
import { startGatewayServer } from './server';
import { connectClient } from './temporal';

async function main() {
  const config = loadConfig();
  const client = await connectClient();
  const { server, media } = await startGatewayServer(client, cache(), config);
  logger.info({ url: `http://localhost:${config.PORT}`, public: config.PUBLIC_BASE_URL }, 'gateway listening');
  const stop = () => {
    media.closeAll(); // open media sockets would otherwise keep server.close() waiting forever
    server.close(() => void stopTracing().finally(() => process.exit(0)));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  logger.fatal({ err }, 'gateway failed');
  process.exit(1);
});
