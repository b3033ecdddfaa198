// SIGUSR1 never opens Node's inspector in a bpflab process. With no listener for it, Node answers SIGUSR1 by
// starting the inspector on 127.0.0.1:9229, which takes any local user's connection, without a password, and
// runs what it sends in this process: as root, for bpflab. And SIGUSR1 is what bpflab's own docs tell an admin
// to send (`kill -USR1` triggers a flight recorder), so one sent to a capture without --ring, to one whose
// recorder has not started yet, or to `bpflab detect` by a `pkill -USR1 bpflab` would open that hole. A listener
// that stays for the process's life turns those into a note instead. (Node 22.14's --disable-sigusr1 does the
// same from the command line; this Node 20 has none.)

export const INSPECTOR_SIGNAL = "SIGUSR1";

let installed = false;

function onUsr1(): void {
  // the flight recorder's own listener is there while a capture with a ring runs: then it is the one that acts
  if (process.listenerCount(INSPECTOR_SIGNAL) > 1) return;
  process.stderr.write("bpflab: SIGUSR1 ignored: no flight recorder (capture --ring) is running in this process\n");
}

/** Keeps SIGUSR1 from starting the inspector for the rest of the process's life (idempotent). */
export function guardInspectorSignal(): void {
  if (installed) return;
  installed = true;
  process.on(INSPECTOR_SIGNAL, onUsr1);
}
