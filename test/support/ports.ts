// Loopback ports for the servers a test starts. They are drawn below the kernel's ephemeral range
// (32768-60999 here), because test files run side by side: a port picked from that range can be
// taken as the local end of another file's outgoing connection before our server binds it.
import net from 'node:net';

const LOW = 20_000;
const HIGH = 32_000;

/** A loopback port nothing listens on (yet). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await canListen(port)) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
