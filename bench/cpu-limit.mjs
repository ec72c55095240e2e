// `npm run bench -- --cpu-limit N`: the whole browser on 1/N of one core, a phone proxy that
// slows everything alike. CDP's Emulation.setCPUThrottlingRate (--throttle) slows the page's
// main thread only: Chromium decodes createImageBitmap's JPEG on its own threads and runs
// workers unthrottled, so it favours the canvas path. Here every Chromium process goes into
// a cgroup whose CPU bandwidth is 1/N of a core (CFS quota over a 10 ms period). Needs root
// and a cgroup cpu controller (v1 `cpu`, or v2 with `cpu` enabled); fails clearly otherwise.
import fs from 'node:fs';
import path from 'node:path';

const PERIOD_US = 10_000;

/** The cgroup to create and how to set its bandwidth, or a reason why there is none. */
function controller() {
  const v1 = '/sys/fs/cgroup/cpu';
  if (fs.existsSync(path.join(v1, 'cpu.cfs_quota_us'))) {
    return { dir: path.join(v1, `fhir-media-bench-${process.pid}`), parent: v1, set: (d, quota) => {
      fs.writeFileSync(path.join(d, 'cpu.cfs_period_us'), String(PERIOD_US));
      fs.writeFileSync(path.join(d, 'cpu.cfs_quota_us'), String(quota));
    } };
  }
  const v2 = '/sys/fs/cgroup';
  const has = (f) => fs.existsSync(f) && fs.readFileSync(f, 'utf8').split(/\s+/).includes('cpu');
  if (has(path.join(v2, 'cgroup.controllers')) && has(path.join(v2, 'cgroup.subtree_control'))) {
    return { dir: path.join(v2, `fhir-media-bench-${process.pid}`), parent: v2, set: (d, quota) =>
      fs.writeFileSync(path.join(d, 'cpu.max'), `${quota} ${PERIOD_US}`) };
  }
  return null;
}

/** The processes below `pid` whose command name starts with `name` (Chromium's browser,
 *  renderer, GPU and utility processes under this bench's Node), and theirs. */
function tree(pid, name) {
  const children = new Map();
  const comm = new Map();
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      comm.set(Number(p), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  const found = [];
  const walk = (p, inside) => {
    for (const c of children.get(p) ?? []) {
      const hit = inside || comm.get(c)?.startsWith(name);
      if (hit) found.push(c);
      walk(c, hit);
    }
  };
  walk(pid, false);
  return found;
}

/** Puts every Chromium process this bench started on 1/`factor` of one core; returns a
 *  function that undoes it. */
export function limitCpu(factor) {
  const c = controller();
  if (!c) throw new Error('--cpu-limit needs a cgroup cpu controller (v1 /sys/fs/cgroup/cpu or v2 with cpu enabled)');
  try {
    fs.mkdirSync(c.dir);
  } catch (e) {
    throw new Error(`--cpu-limit: cannot create ${c.dir} (${e.code}); it needs root`);
  }
  c.set(c.dir, Math.round(PERIOD_US / factor));
  const move = (to, pids) => {
    for (const p of pids) {
      try {
        fs.writeFileSync(path.join(to, 'cgroup.procs'), String(p));
      } catch {
        // exited meanwhile
      }
    }
  };
  const pids = tree(process.pid, 'chrom');
  if (!pids.length) throw new Error('--cpu-limit: no Chromium process found under this bench');
  move(c.dir, pids);
  return () => {
    // Back to the parent (processes started meanwhile are children of the limited ones).
    move(c.parent, fs.readFileSync(path.join(c.dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean));
    fs.rmdirSync(c.dir);
  };
}
