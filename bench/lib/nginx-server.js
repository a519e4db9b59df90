'use strict';
// nginx from the distribution's package, started with a generated minimal config that serves one directory.
const { spawn } = require('node:child_process');
const { copyFileSync, linkSync, mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { tempDir, removeDir, trackProcess, stopProcess } = require('./cleanup');
const { freePort, which, waitHttp } = require('./proc');
const { NotAvailable } = require('./report');

/**
 * Starts nginx on a free loopback port (sendfile on, no access log, one worker, in the foreground) serving
 * `files` ({name: source path}); each source is hard-linked into its document root (copied across filesystems).
 */
async function startNginx(files) {
  const bin = which('nginx');
  if (!bin) throw new NotAvailable('nginx not installed (run bench/setup.sh)');
  const port = await freePort();
  const dir = tempDir('nginx');
  const root = path.join(dir, 'root');
  mkdirSync(root);
  for (const [name, source] of Object.entries(files)) {
    try {
      linkSync(source, path.join(root, name));
    } catch {
      copyFileSync(source, path.join(root, name));
    }
  }
  writeFileSync(path.join(root, 'ready.txt'), 'ok\n');
  // Workers run as an unprivileged user unless told otherwise, and the blob sits under a private temp dir.
  const user = process.getuid && process.getuid() === 0 ? 'user root root;' : '';
  const conf = `${user}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { }
  }
}
`;
  const confFile = path.join(dir, 'nginx.conf');
  writeFileSync(confFile, conf);
  const proc = trackProcess(spawn(bin, ['-c', confFile, '-p', dir, '-e', `${dir}/error.log`], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let err = '';
  proc.stderr.on('data', (c) => (err += c));
  const stop = async () => {
    await stopProcess(proc);
    removeDir(dir);
  };
  const url = `http://127.0.0.1:${port}`;
  if (!(await waitHttp(`${url}/ready.txt`, proc, 20_000))) {
    await stop();
    throw new Error(`nginx did not start: ${err.trim()}`);
  }
  return { url, stop };
}

module.exports = { startNginx };
