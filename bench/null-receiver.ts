/**
 * 200 without work: reads the body and answers. The bench loads it first with each load shape to find
 * the generator's own ceiling; a phase that comes near it measured the generator, not the server.
 *
 * Env: PORT.
 */
import { createServer } from 'node:http';

const answer = Buffer.from('{"received":true}');
createServer((request, response) => {
  request.resume();
  request.once('end', () => {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': answer.length });
    response.end(answer);
  });
}).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
