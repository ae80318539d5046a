// stop_signal.cpp — see stop_signal.h.
#include "grok/core/stop_signal.h"

#include <csignal>

namespace grok {
namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) {
  g_stop = true;
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

}  // namespace

const std::atomic<bool>& stop_on_signals() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  return g_stop;
}

}  // namespace grok
