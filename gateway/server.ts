// The gateway's HTTP server: the Express app plus the media-stream WebSockets on the same port.
import http from 'node:http';
import type { Client } from '@temporalio/client';
import type { Cache } from '../lib/cache';
import type { Config } from '../lib/config';
import { createGateway } from './app';
import { TemporalCallControl } from './call-control';
import { attachMediaStreams, type MediaStreams } from './media/server';
import { withLiveTranscript } from './dashboard/transcript-feed';

export async function startGatewayServer(client: Client, cache: Cache, config: Config, host?: string): Promise<{ server: http.Server; media: MediaStreams }> {
  const control = new TemporalCallControl(client, cache);
  const server = http.createServer(createGateway(client, cache, config, control));
  const heard = withLiveTranscript(control); // media sessions' lines also go to the dashboard's feed
  const media = attachMediaStreams(server, heard, cache, config, heard);
  await new Promise<void>((resolve) => server.listen(config.PORT, host, resolve));
  return { server, media };
}
