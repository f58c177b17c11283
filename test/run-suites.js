'use strict';
// `npm test`: every spec file runs in its own mocha process, several at a time, each inside its
// own network namespace (`unshare -n`, loopback only) so that no two ever share a port; the media
// specs run a second time with the in-thread media plane (media_workers = 0). A job's output is
// printed whole when it ends; the last line is the total of all jobs, "N passed, N failed", which
// CI reads.
//
//   node test/run-suites.js [--jobs N] [name ...] [-- mocha args]
//     --jobs N   parallel jobs (default: JANUS_TEST_JOBS, else one per core; 1 runs them one after another)
//     name       only these spec files (e.g. ws-api media-nack), with their in-thread reruns
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const specDir = path.join(root, 'dist', 'test');
const mocha = require.resolve('mocha/bin/mocha.js');
const mochaArgs = ['--no-config', '--require', 'reflect-metadata', '--reporter', './test/summary-reporter.js', '--timeout', '20000', '--exit'];

// the media specs that run once more with media_workers = 0 and SRTP in JavaScript (CI covers both media planes and both SRTP stages)
const IN_THREAD = ['echotest-media', 'media-events', 'media-nack', 'videoroom-media', 'simulcast-echotest'];
// Chromium runs: one at a time, they take a core each
const EXCLUSIVE = /-browser\.spec\.js$/;
// multi-instance runs (two servers, a broker, 50 peers, Janus): alone at the end, nothing else
// running, so their delivery figures measure the servers and not the other jobs
const SOLO = ['cascade-videoroom', 'interop-cascade', 'interop-cascade-janus'];
// seconds per spec measured on a busy 2-core machine: the longest start first, so the last
// job to finish is a short one; specs not listed are quick (count as 3 s) and share processes
const QUICK_PER_JOB = 6;
const WEIGHT = {
  'fuzz-api': 79, 'mq-rabbitmq': 33, 'recording-janus-compare': 30, 'simulcast-browser': 27, 'videoroom-browser': 27,
  'recordplay-browser': 25, 'fuzz-udp': 21, 'metrics-echotest': 20, 'session-lifecycle': 18, 'audiobridge-features': 18,
  'evh-mq': 17, 'security-media': 17, 'simulcast-echotest': 17, 'recordplay-api': 16, 'videoroom-media': 15,
  'echotest-browser': 15, 'audiobridge-browser': 15, 'recording-echotest': 13, 'audiobridge-media': 13, 'recording-videoroom': 13,
  'recording-simulcast': 12, 'metrics-videoroom': 11, 'mq-mqtt': 9, 'echotest-media': 7, 'drain': 6, 'simulcast-videoroom': 6,
  'evh-sample': 6, 'media-bad-input': 6, 'media-nack': 5, 'media-workers': 5, 'media-routes': 12, 'media-events': 4, 'media-offer': 4,
};

function parseArgs(argv) {
  // one job per core: media specs measure delivery and timing, 4 jobs on 2 cores made them flaky
  const o = { jobs: Number(process.env.JANUS_TEST_JOBS) || Math.max(2, os.cpus().length), names: [], extra: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      o.extra.push(...argv.slice(i + 1));
      break;
    }
    if (a === '--jobs') o.jobs = Number(argv[++i]);
    else if (a.startsWith('--jobs=')) o.jobs = Number(a.slice(7));
    else if (a.startsWith('-')) o.extra.push(a); // a mocha option (e.g. --grep x)
    else o.names.push(a.replace(/(\.spec)?\.(js|ts)$/, '').replace(/^.*\//, ''));
  }
  if (!(o.jobs >= 1)) throw new Error('--jobs needs a positive number');
  return o;
}

function jobList(names) {
  // specs whose source still exists (dist/ may hold the output of renamed or deleted ones)
  const all = fs.readdirSync(specDir).filter((f) => f.endsWith('.spec.js')).map((f) => f.slice(0, -8))
    .filter((n) => fs.existsSync(path.join(root, 'test', `${n}.spec.ts`))).sort();
  const pick = names.length ? all.filter((n) => names.includes(n)) : all;
  for (const n of names) if (!all.includes(n)) throw new Error(`no spec dist/test/${n}.spec.js (build first: npx tsc -p .)`);
  const job = (files, env = {}) => ({ files, weight: files.reduce((w, n) => w + (WEIGHT[n] ?? 3), 0), label: files.map((n) => `${n}.spec.js`).join(' ') + (env.JANUS_MEDIA_WORKERS ? ' (media_workers = 0, SRTP in JS)' : ''), env });
  // the quick specs share processes, a few at a time: a mocha process costs ~0.5 s of CPU to start
  const quick = pick.filter((n) => WEIGHT[n] === undefined && !SOLO.includes(n));
  const jobs = pick.filter((n) => WEIGHT[n] !== undefined && !SOLO.includes(n)).map((n) => job([n]));
  for (let i = 0; i < quick.length; i += QUICK_PER_JOB) jobs.push(job(quick.slice(i, i + QUICK_PER_JOB)));
  for (const n of IN_THREAD.filter((x) => pick.includes(x))) jobs.push(job([n], { JANUS_MEDIA_WORKERS: '0', JANUS_NATIVE_SRTP: '0' }));
  const solo = pick.filter((n) => SOLO.includes(n)).map((n) => ({ ...job([n]), solo: true }));
  return [...jobs.sort((a, b) => b.weight - a.weight), ...solo];
}

const canUnshare = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0;

let jobSeq = 0;

/** One mocha process for one spec file; resolves with its output, counts and how long it took. */
function runJob(job, tmp, extra) {
  const totals = path.join(tmp, `job-${++jobSeq}.json`);
  const args = [mocha, ...mochaArgs, ...extra, ...job.files.map((n) => path.join('dist', 'test', `${n}.spec.js`))];
  const env = { ...process.env, ...job.env, JANUS_TEST_TOTALS: totals };
  const [cmd, argv] = canUnshare
    ? ['unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, ...args]]
    : [process.execPath, args];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    // a hung spec must not hang the suite: its whole process group goes after 10 min
    const guard = setTimeout(() => {
      out += `\n${job.label}: killed after 10 minutes\n`;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 600_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      let t;
      try {
        t = JSON.parse(fs.readFileSync(totals, 'utf8'));
      } catch {
        t = { passes: 0, failures: 0, pending: 0 };
      }
      // a process that failed without reporting a failing test (a crash, a load error) counts as one
      if (code !== 0 && !(t.failures > 0)) t.failures = (t.failures || 0) + 1;
      resolve({ job, out, code, t, secs: (Date.now() - started) / 1000 });
    });
  });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const jobs = jobList(o.names);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-tests-'));
  const t0 = Date.now();
  const sum = { passes: 0, failures: 0, pending: 0 };
  const failed = [];
  let done = 0;
  let exclusiveBusy = false;
  const queue = jobs.filter((j) => !j.solo);
  const soloQueue = jobs.filter((j) => j.solo);
  if (!canUnshare) console.log('(no network namespaces here: unshare -n needs root; jobs share the host loopback)');
  console.log(`${jobs.length} spec runs, ${o.jobs} at a time\n`);

  const next = () => {
    const i = queue.findIndex((j) => !(exclusiveBusy && EXCLUSIVE.test(j.label)));
    return i < 0 ? undefined : queue.splice(i, 1)[0];
  };
  const worker = async () => {
    for (;;) {
      const job = next();
      if (!job) {
        if (queue.length === 0) return;
        await new Promise((r) => setTimeout(r, 200)); // only exclusive jobs left, one is running
        continue;
      }
      const exclusive = EXCLUSIVE.test(job.label);
      if (exclusive) exclusiveBusy = true;
      const r = await runJob(job, tmp, o.extra);
      if (exclusive) exclusiveBusy = false;
      done++;
      for (const k of Object.keys(sum)) sum[k] += r.t[k] || 0;
      if (r.t.failures) {
        failed.push(`${job.label}: ${r.t.failures} failed`);
        for (const f of r.t.failed || []) failed.push(`    ${f}`);
      }
      process.stdout.write(`\n=== [${done}/${jobs.length}] ${job.label} (${r.secs.toFixed(1)} s)\n${r.out}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, queue.length) }, worker));
  // then the solo jobs, one after another with nothing else running
  queue.push(...soloQueue);
  await worker();
  fs.rmSync(tmp, { recursive: true, force: true });

  console.log(`\nAll runs (${jobs.length} spec runs, ${o.jobs} at a time, ${((Date.now() - t0) / 1000).toFixed(0)} s; media specs also with media_workers = 0)`);
  for (const f of failed) console.log(`  FAILED ${f}`);
  console.log(`${sum.passes} passed, ${sum.failures} failed${sum.pending ? `, ${sum.pending} skipped` : ''}`);
  process.exit(sum.failures > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
