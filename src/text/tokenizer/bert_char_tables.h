// Character tables of the BERT components, measured from Hugging Face `tokenizers` (see
// scripts/gen_bert_char_tables.mjs for why they are not utf8proc categories).
#pragma once

#include <cstddef>
#include <iterator>

namespace chunkwise::text::bert {

struct CodePointRange {
  char32_t first;
  char32_t last;  // inclusive
};

extern const CodePointRange kControlRanges[];
extern const size_t kControlRangeCount;
extern const CodePointRange kPunctuationRanges[];
extern const size_t kPunctuationRangeCount;
extern const CodePointRange kNonspacingMarkRanges[];
extern const size_t kNonspacingMarkRangeCount;

struct LowercasePair {
  char32_t upper;
  char32_t lower;
};
extern const LowercasePair kLowercasePairs[];  // sorted by `upper`
extern const size_t kLowercasePairCount;

}  // namespace chunkwise::text::bert
