// Retrieval-augmented answers: the prompt that puts retrieved chunks in front of a question as numbered
// sources, and the citations [n] an answer makes back to them. Shared by `chunkwise ask` and the server's
// POST /v1/rag/query.
//
// The prompt is a chat: a system message "Answer from the documents and cite them." followed by the sources
// as "[1] text", "[2] text", ... (blank lines between), then the question as the user's message; the model's
// chat template renders it. This is the shape ../shared/models/tiny-lm was trained on, and a common one for
// instruction-tuned models.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "retrieve/search_hit.h"
#include "text/jinja/chat_template.h"
#include "text/tokenizer/tokenizer.h"

namespace chunkwise::rag {

inline constexpr std::string_view kAnswerInstruction = "Answer from the documents and cite them.";

// The messages for `question` with `sources` numbered from 1 in order.
nlohmann::ordered_json grounded_messages(std::string_view question,
                                         const std::vector<retrieve::SearchHit>& sources);

struct GroundedPrompt {
  std::vector<int32_t> ids;                  // the rendered chat, encoded
  std::vector<retrieve::SearchHit> sources;  // the sources it holds (the last ones may have been dropped)
  size_t dropped = 0;                        // sources left out so that the prompt fits
};

// Renders and encodes the grounded chat; while it is longer than `max_prompt_tokens`, drops the last source.
// Error(invalid_input) when even the question alone does not fit.
GroundedPrompt build_grounded_prompt(const text::Tokenizer& tokenizer,
                                     const text::jinja::ChatTemplate& chat_template,
                                     std::string_view question, std::vector<retrieve::SearchHit> sources,
                                     int64_t max_prompt_tokens);

// The source numbers an answer cites as "[n]" (also "[1, 2]" and "[1][2]"), each once, in order of first
// citation; numbers outside 1..source_count are left out.
std::vector<int> cited_sources(std::string_view answer, size_t source_count);

}  // namespace chunkwise::rag
