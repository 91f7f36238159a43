/**
 * Liveness checks at scale: 1,000 takedowns checked at once (three browser
 * profiles each, so 3,000 requests) against 10 local web servers that
 * answer after 50–300 ms (fixed seed), a third of them cloaking, a fifth
 * gone. The fetch limit (RENKEI_FETCH_CONCURRENCY, default 32) bounds the
 * sockets open at any moment.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContainer } from '../src/container.js';
import { recordReport } from '../src/services/record-report.service.js';
import { createTakedown, runLivenessCheck } from '../src/services/takedown.service.js';
import { createIncidentFromReports } from '../src/services/triage.service.js';
import { systemActor } from '../src/domain/actor.js';
import { defineBench, seededRandom } from './lib.js';

const CHECKS = 1000;
const SERVERS = 10;
const CONCURRENCY = Number(process.env.RENKEI_FETCH_CONCURRENCY ?? 32);

export default defineBench({
  name: 'liveness',
  async run() {
    const next = seededRandom(7);
    let open = 0;
    let peak = 0;
    const servers = await Promise.all(
      Array.from({ length: SERVERS }, async () => {
        const server = http.createServer((req, res) => {
          open++;
          peak = Math.max(peak, open);
          const n = Number(/site-(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
          setTimeout(() => {
            open--;
            const japanese = String(req.headers['accept-language'] ?? '').startsWith('ja');
            if (n % 5 === 0) return res.writeHead(404).end('gone');
            if (n % 3 === 0 && !japanese) return res.writeHead(404).end('nothing here');
            res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>Login ${n}</title><p>${'x'.repeat(2000 + (n % 7) * 1000)}</p>`);
          }, 50 + Math.floor(next() * 250));
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
        return server;
      }),
    );
    const dir = mkdtempSync(join(tmpdir(), 'renkei-bench-'));
    const c = await createContainer({ dataDir: dir, incidentPrefix: 'RK', timeZone: 'Asia/Tokyo', fetchAllow: ['127.0.0.0/8'], fetchConcurrency: CONCURRENCY });
    try {
      const actor = systemActor('bench');
      const { report } = await recordReport(c.deps, actor, { sourceRef: 'bench', body: 'phishing wave' });
      const incident = await createIncidentFromReports(c.deps, actor, { reportIds: [report.id], category: 'phishing' });
      const ids: string[] = [];
      for (let i = 0; i < CHECKS; i++) {
        const port = (servers[i % SERVERS]!.address() as AddressInfo).port;
        ids.push((await createTakedown(c.deps, actor, incident.id, { url: `http://127.0.0.1:${port}/site-${i}` })).id);
      }
      const t0 = performance.now();
      const verdicts = await Promise.all(ids.map((id) => runLivenessCheck(c.deps, id, false)));
      const seconds = (performance.now() - t0) / 1000;
      const count = (v: string) => verdicts.filter((x) => x === v).length;
      const workload = `${CHECKS} checks × 3 profiles against ${SERVERS} local servers answering in 50–300 ms; fetch limit ${CONCURRENCY}`;
      return [
        { metric: '1,000 liveness checks', value: Math.round(seconds * 10) / 10, unit: 's', target: '< 30', workload },
        { metric: 'requests open at once (peak)', value: peak, unit: 'requests', target: `<= ${CONCURRENCY}`, workload: 'measured at the servers' },
        { metric: 'verdicts up / down / cloaked', value: count('up'), unit: `up (${count('down')} down, ${count('cloaked')} cloaked)`, target: '-', workload: '1/5 gone, 1/3 cloaking (some both)' },
      ];
    } finally {
      await c.close();
      rmSync(dir, { recursive: true, force: true });
      for (const s of servers) s.close();
    }
  },
});
