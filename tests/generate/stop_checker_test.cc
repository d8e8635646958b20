// StopChecker on streams of text pieces: stop strings split across pieces, held-back text released when a
// match fails, several and overlapping stop strings, stop token ids, max_tokens, UTF-8 characters split
// across pieces.
#include "generate/stop_checker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/expect_error.h"

namespace chunkwise::generate {
namespace {

using chunkwise::testing::expect_error;

constexpr int32_t kTextToken = 100;  // any token that is not a stop token

StopConditions stop_strings(std::vector<std::string> strings) {
  StopConditions conditions;
  conditions.stop_strings = std::move(strings);
  return conditions;
}

// Pushes each piece as a token; returns the text released by each step.
std::vector<std::string> stream(StopChecker& checker, const std::vector<std::string>& pieces) {
  std::vector<std::string> released;
  for (const std::string& piece : pieces) {
    released.push_back(checker.push(kTextToken, piece).text);
    if (checker.finish_reason()) break;
  }
  return released;
}

using Steps = std::vector<std::string>;

TEST(StopChecker, WithoutConditionsPassesTextThrough) {
  StopChecker checker({});
  EXPECT_EQ(stream(checker, {"Hello", ", ", "world"}), (Steps{"Hello", ", ", "world"}));
  EXPECT_FALSE(checker.finish_reason());
  EXPECT_EQ(checker.flush(), "");
  EXPECT_EQ(checker.token_count(), 3);
}

TEST(StopChecker, StopStringInOnePieceTruncatesBeforeIt) {
  StopChecker checker(stop_strings({"END"}));
  const StopStep step = checker.push(kTextToken, "Hello END world");
  EXPECT_EQ(step.text, "Hello ");
  EXPECT_EQ(step.finish_reason, FinishReason::stop);
  EXPECT_EQ(checker.finish_reason(), FinishReason::stop);
}

TEST(StopChecker, StopStringSplitAcrossPiecesIsNeverShown) {
  StopChecker checker(stop_strings({"END"}));
  EXPECT_EQ(stream(checker, {"Hel", "lo E", "N", "D more"}), (Steps{"Hel", "lo ", "", ""}));
  EXPECT_EQ(checker.finish_reason(), FinishReason::stop);
  EXPECT_EQ(checker.flush(), "");
}

TEST(StopChecker, HeldBackTextIsReleasedWhenTheMatchFails) {
  StopChecker checker(stop_strings({"END"}));
  EXPECT_EQ(stream(checker, {"E", "N", "x", "EN"}), (Steps{"", "", "ENx", ""}));
  EXPECT_FALSE(checker.finish_reason());
  EXPECT_EQ(checker.flush(), "EN");
}

TEST(StopChecker, OverlappingPrefixes) {
  StopChecker aab(stop_strings({"aab"}));
  EXPECT_EQ(stream(aab, {"a", "a", "a", "b"}),
            (Steps{"", "", "a", ""}));  // "aaa" may still become "a" + "aab"
  EXPECT_EQ(aab.finish_reason(), FinishReason::stop);

  StopChecker abab(stop_strings({"abab"}));
  EXPECT_EQ(stream(abab, {"ab", "a", "c"}), (Steps{"", "", "abac"}));
  EXPECT_FALSE(abab.finish_reason());

  StopChecker again(stop_strings({"abab"}));  // "abaabab": the match starts at the second "a" of "abaaba"
  EXPECT_EQ(stream(again, {"aba", "aba", "b"}), (Steps{"", "aba", ""}));
  EXPECT_EQ(again.finish_reason(), FinishReason::stop);
}

TEST(StopChecker, EarliestOfSeveralStopStringsWins) {
  StopChecker checker(stop_strings({"world", "lo"}));
  EXPECT_EQ(checker.push(kTextToken, "hello world").text, "hel");

  StopChecker nested(stop_strings({"abc", "b"}));
  EXPECT_EQ(stream(nested, {"xa", "bc"}), (Steps{"x", ""}));

  // The sequence stops as soon as a stop string appears: "b" completes before "abc" could.
  StopChecker first_complete(stop_strings({"abc", "b"}));
  EXPECT_EQ(stream(first_complete, {"xa", "b", "c"}), (Steps{"x", "a"}));
}

TEST(StopChecker, HoldsBackTheLongestPossibleStartOfAnyStopString) {
  StopChecker checker(stop_strings({"</answer>", "##"}));
  EXPECT_EQ(checker.push(kTextToken, "x #").text, "x ");
  EXPECT_EQ(checker.push(kTextToken, " </ans").text, "# ");
  EXPECT_EQ(checker.push(kTextToken, "wer>").text, "");
  EXPECT_EQ(checker.finish_reason(), FinishReason::stop);
}

TEST(StopChecker, StopTokenDropsItsTextAndReleasesWhatWasHeld) {
  StopConditions conditions = stop_strings({"END"});
  conditions.stop_token_ids = {2, 7};
  StopChecker checker(conditions);
  EXPECT_EQ(checker.push(kTextToken, "ok E").text, "ok ");
  const StopStep step = checker.push(7, "</s>");
  EXPECT_EQ(step.text, "E");
  EXPECT_EQ(step.finish_reason, FinishReason::stop);
  expect_error([&] { checker.push(kTextToken, "more"); }, ErrorKind::internal, "after the sequence finished");
}

TEST(StopChecker, MaxTokensFinishesWithLengthAndReleasesEverything) {
  StopConditions conditions = stop_strings({"END"});
  conditions.max_tokens = 3;
  StopChecker checker(conditions);
  EXPECT_EQ(checker.push(kTextToken, "a").text, "a");
  EXPECT_EQ(checker.push(kTextToken, "b").text, "b");
  const StopStep step = checker.push(kTextToken, "EN");
  EXPECT_EQ(step.text, "EN");
  EXPECT_EQ(step.finish_reason, FinishReason::length);
  EXPECT_STREQ(to_string(*step.finish_reason), "length");
}

TEST(StopChecker, StopOnTheLastAllowedTokenIsStop) {
  StopConditions conditions = stop_strings({"END"});
  conditions.max_tokens = 2;
  StopChecker checker(conditions);
  checker.push(kTextToken, "a E");
  const StopStep step = checker.push(kTextToken, "ND");
  EXPECT_EQ(step.finish_reason, FinishReason::stop);
  EXPECT_STREQ(to_string(*step.finish_reason), "stop");
}

TEST(StopChecker, NeverSplitsAUtf8Character) {
  StopChecker checker({});
  EXPECT_EQ(stream(checker, {"caf\xC3", "\xA9!", "\xE2\x86", "\x92", "\xF0\x9F\x98", "\x80"}),
            (Steps{"caf", "\xC3\xA9!", "", "\xE2\x86\x92", "", "\xF0\x9F\x98\x80"}));
}

TEST(StopChecker, MultiByteStopStrings) {
  StopChecker arrow(stop_strings({"\xE2\x86\x92"}));  // →
  EXPECT_EQ(stream(arrow, {"a\xE2\x86",
                           "\x92"
                           "b"}),
            (Steps{"a", ""}));
  EXPECT_EQ(arrow.finish_reason(), FinishReason::stop);

  StopChecker accent(stop_strings({"\xC3\xA9!"}));  // é!
  EXPECT_EQ(stream(accent, {"caf\xC3\xA9", "?"}), (Steps{"caf", "\xC3\xA9?"}));
}

// Every way to cut one text into three pieces gives the same output, and no step ever shows a character of
// the stop string.
TEST(StopChecker, AnySplitGivesTheSameOutput) {
  const std::string text =
      "The answer: \xE2\x82\xAC"
      "42.\nEND of story";
  const std::string expected =
      "The answer: \xE2\x82\xAC"
      "42.";
  for (size_t a = 0; a <= text.size(); ++a) {
    for (size_t b = a; b <= text.size(); ++b) {
      StopChecker checker(stop_strings({"\nEND", "story"}));
      std::string output;
      for (const std::string& piece : {text.substr(0, a), text.substr(a, b - a), text.substr(b)}) {
        const StopStep step = checker.push(kTextToken, piece);
        EXPECT_EQ(step.text.find('\n'), std::string::npos);
        output += step.text;
        if (step.finish_reason) break;
      }
      output += checker.flush();
      EXPECT_EQ(output, expected) << "cut at " << a << " and " << b;
      EXPECT_EQ(checker.finish_reason(), FinishReason::stop);
    }
  }
}

TEST(StopConditions, RejectsImpossibleValuesNamingTheField) {
  expect_error(
      [] {
        StopChecker checker(stop_strings({"ok", ""}));
      },
      ErrorKind::invalid_input, "stop: stop string 1 is empty");
  StopConditions negative;
  negative.stop_token_ids = {-1};
  expect_error([&] { negative.validate(); }, ErrorKind::invalid_input, "stop_token_ids");
  StopConditions zero;
  zero.max_tokens = 0;
  expect_error([&] { zero.validate(); }, ErrorKind::invalid_input, "max_tokens must be >= 1");
}

}  // namespace
}  // namespace chunkwise::generate
