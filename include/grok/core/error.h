// error.h — the one exception type that means "the user gave bad input".
//
// Tools map InputError to exit code 2 and any other std::exception to 1, so
// library code throws InputError for everything a user can fix by changing
// flags, config values or paths.
#pragma once

#include <iostream>
#include <stdexcept>

namespace grok {

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A tool's main: runs `run()` and turns what it throws into one line on stderr and the exit
// code — 2 for InputError, 1 for any other error.
template <class Run>
int exit_code_of(const char* tool, Run&& run) {
  try {
    return run();
  } catch (const InputError& e) {
    std::cerr << tool << ": " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << tool << ": error: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace grok
