// Prisma 6.19 without native engines: the client runs on the pg driver adapter,
// so `prisma generate` and `prisma migrate diff` need no download.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  engine: 'js',
  experimental: { adapter: true },
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL ?? 'postgresql://localhost/nerve' });
  },
});
