// error.h — the one exception type that means "the user gave bad input".
//
// Tools map InputError to exit code 2 and any other std::exception to 1, so
// library code throws InputError for everything a user can fix by changing
// flags, config values or paths.
#pragma once

#include <stdexcept>

namespace grok {

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace grok
