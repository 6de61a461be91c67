// Test helper: runs `body` and returns the ConfigError it throws (the test
// fails if it throws nothing).
#pragma once

#include <catch2/catch.hpp>

#include <stdexcept>

#include "sim/config/config.hpp"

template <class Body>
xcallsim::config::ConfigError error_of(Body&& body) {
  try {
    body();
  } catch (const xcallsim::config::ConfigError& error) {
    return error;
  }
  FAIL("expected a ConfigError");
  throw std::logic_error("unreachable");
}
