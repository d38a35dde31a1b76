// For unit tests of the appointment modules: the real PostgreSQL of scripts/test.sh, migrated,
// with an empty appointments table before each test and the clients closed after the file.
import { after, before, beforeEach } from 'node:test';
import { Client as Pg } from 'pg';
import { closeDb } from '../../lib/db';
import { migrate } from '../../scripts/migrate';

export function useAppointmentsDb(): Pg {
  const url = process.env.DATABASE_URL;
  const pg = new Pg({ connectionString: url });
  before(async () => {
    if (!url) throw new Error('run through scripts/test.sh (it starts PostgreSQL)');
    await migrate(url, () => {});
    await pg.connect();
  });
  beforeEach(async () => {
    await pg.query('TRUNCATE appointments');
  });
  after(async () => {
    await pg.end();
    await closeDb();
  });
  return pg;
}
