// stop_signal.h — Ctrl-C and SIGTERM (Slurm's pre-emption) as a flag a long loop checks.
//
// The first SIGINT or SIGTERM sets the flag: grok-train finishes its step and checkpoints,
// grok-sweep stops its runs the same way. A second one kills at once (run files stay
// readable and resumable). The flag is the process's one piece of signal state.
#pragma once

#include <atomic>

namespace grok {

// Installs the handlers (again, if called again) and returns the flag they set.
const std::atomic<bool>& stop_on_signals();

}  // namespace grok
