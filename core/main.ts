#!/usr/bin/env node
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { CliError, parseCli, usage } from './cli';
import { JcfgSyntaxError } from './config/jcfg';
import { Faults, installProcessFaultPolicy, moduleOfError } from './faults';
import { JanusServer } from './server';
import { JANUS_VERSION_STRING, OUR_VERSION } from './version';

/** Command-line entry point: `janus-ts -F conf`. */
async function main(): Promise<number> {
  let cli;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (cli.help) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (cli.version) {
    process.stdout.write(`janus-ts ${OUR_VERSION} (Janus API ${JANUS_VERSION_STRING})\n`);
    return 0;
  }
  let server: JanusServer;
  try {
    server = await JanusServer.start({
      configsFolder: cli.configsFolder ?? 'conf',
      configFile: cli.configFile,
      overrides: cli.overrides,
      settings: (s) => cli.apply.forEach((f) => f(s)),
    });
  } catch (err) {
    if (err instanceof JcfgSyntaxError) process.stderr.write(`Configuration error: ${err.message}\n`);
    else process.stderr.write(`Could not start: ${(err as Error).message}\n`);
    return 1;
  }
  // a failing module is logged and counted, the server keeps serving (docs/plugins.md, "Faults")
  const faults = server.container.resolve(Faults);
  installProcessFaultPolicy((kind, err) => faults.record(moduleOfError(err, server.moduleDirs), kind, err));
  if (server.settings.pidFile) fs.writeFileSync(server.settings.pidFile, `${process.pid}\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    // SIGTERM drains (drain_timeout > 0); SIGINT, or a second signal, stops at once
    const stop = (sig: string) => {
      const signum = os.constants.signals[sig as NodeJS.Signals] ?? 0;
      if (sig === 'SIGTERM' && !stopping && server.settings.drainTimeout > 0) {
        stopping = true;
        server.logger.child('core').info({ signal: sig }, 'Draining');
        void server.drain(signum);
        return;
      }
      if (stopping && !server.isDraining) return;
      stopping = true;
      server.logger.child('core').info({ signal: sig }, 'Stopping');
      if (server.isDraining) void server.drain(signum);
      else void server.stop(signum);
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    // also when an Admin `drain` stopped it
    void server.whenStopped.then(resolve);
  });
  if (server.settings.pidFile) fs.rmSync(server.settings.pidFile, { force: true });
  return 0;
}

main().then(
  (code) => setImmediate(() => process.exit(code)),
  (err) => {
    process.stderr.write(`Fatal: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  },
);
