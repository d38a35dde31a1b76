// The simulator has no account, keys or numbers of its own: it rings browser tabs through Redis
// and authenticates with the ops token (CODEC_AUTH_TOKEN). Nothing to configure.
import { z } from 'zod';

export const browserEnv = z.object({});
