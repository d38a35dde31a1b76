// Prisma over the pg driver adapter: no native engine, works against PostgreSQL and PGlite.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { loadConfig } from './config';

export type Db = PrismaClient;
let client: PrismaClient | undefined;

export function db(): PrismaClient {
  if (!client) {
    const { DATABASE_URL, DATABASE_POOL_SIZE } = loadConfig();
    if (!DATABASE_URL) throw new Error('DATABASE_URL is not set');
    client = new PrismaClient({ adapter: new PrismaPg({ connectionString: DATABASE_URL, max: DATABASE_POOL_SIZE }) });
  }
  return client;
}

export async function closeDb(): Promise<void> {
  await client?.$disconnect();
  client = undefined;
}
