#include "common/error.h"

#include <gtest/gtest.h>

#include "common/file.h"

namespace chunkwise {
namespace {

TEST(Error, ContextIsPrependedAndKindKept) {
  try {
    with_context("loading tokenizer.json", [] { fail(ErrorKind::invalid_input, "model.vocab: expected {}", "object"); });
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "loading tokenizer.json: model.vocab: expected object");
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  }
}

TEST(Error, ForeignExceptionsBecomeInternalErrors) {
  try {
    with_context("parsing", [] { throw std::out_of_range("index 7"); });
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "parsing: index 7");
    EXPECT_EQ(e.kind(), ErrorKind::internal);
  }
}

TEST(ReadFile, MissingFileNamesThePath) {
  try {
    read_file("/nonexistent/dir/tokenizer.json");
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/tokenizer.json"), std::string::npos);
  }
}

TEST(ReadFile, DirectoryIsInvalidInput) {
  try {
    read_file("/tmp");
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  }
}

}  // namespace
}  // namespace chunkwise
