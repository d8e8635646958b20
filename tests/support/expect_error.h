// Shared by every test binary (tests/ is on their include path). Runs `body` and expects a chunkwise::Error
// of `kind` whose message contains `fragment`.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"

namespace chunkwise::testing {

template <typename Body>
void expect_error(Body&& body, ErrorKind kind, const std::string& fragment) {
  try {
    body();
    ADD_FAILURE() << "no error; expected one containing: " << fragment;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_THAT(e.what(), ::testing::HasSubstr(fragment));
  }
}

}  // namespace chunkwise::testing
