#include "serve/http/rag_routes.h"

#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "generate/generator.h"
#include "ingest/ingester.h"
#include "rag/grounded_prompt.h"
#include "retrieve/bm25.h"
#include "retrieve/search.h"
#include "serve/http/api_error.h"
#include "serve/http/json_body.h"
#include "serve/http/output_queue.h"
#include "store/catalog.h"

namespace chunkwise::serve::http {

namespace {

using ordered_json = nlohmann::ordered_json;
using namespace std::chrono_literals;

struct RagQuery {
  std::string question;
  std::optional<std::string> model;
  size_t top_k = 5;
  size_t candidates = 0;
  std::string select = "top-k";
  std::optional<size_t> budget;
  retrieve::SearchFilter filter;
  int64_t max_tokens = 256;
  float temperature = 0;
  bool stream = false;
};

std::vector<std::string> strings(const ordered_json& value, const std::string& param) {
  std::vector<std::string> out;
  if (value.is_string()) return {value.get<std::string>()};
  if (!value.is_array()) bad_field(param, "'" + param + "' must be a string or a list of strings");
  for (const auto& item : value) {
    if (!item.is_string()) bad_field(param, "'" + param + "' must be a string or a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

int64_t integer(const ordered_json& json, const char* name, int64_t low, int64_t high, int64_t fallback) {
  const auto it = json.find(name);
  if (it == json.end() || it->is_null()) return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() < low || it->get<int64_t>() > high)
    bad_field(name, fmt::format("'{}' must be an integer between {} and {}", name, low, high));
  return it->get<int64_t>();
}

RagQuery parse_rag_query(std::string_view body) {
  const ordered_json json = parse_json_object(body);
  RagQuery q;
  const auto question = json.find("question");
  if (question == json.end() || !question->is_string() || question->get<std::string>().empty())
    bad_field("question", "'question' must be a non-empty string");
  q.question = question->get<std::string>();
  if (auto m = json.find("model"); m != json.end() && !m->is_null()) {
    if (!m->is_string()) bad_field("model", "'model' must be a string");
    q.model = m->get<std::string>();
  }
  q.top_k = size_t(integer(json, "top_k", 1, 100, 5));
  q.candidates = size_t(integer(json, "candidates", 0, 1000, 0));
  if (auto b = integer(json, "budget", 0, 1 << 24, -1); b >= 0) q.budget = size_t(b);
  if (auto s = json.find("select"); s != json.end() && !s->is_null()) {
    if (!s->is_string()) bad_field("select", "'select' must be a string");
    q.select = s->get<std::string>();
  }
  try {
    retrieve::make_selector(q.select, {});
  } catch (const Error& e) {
    bad_field("select", e.what());
  }
  if (auto f = json.find("filters"); f != json.end() && !f->is_null()) {
    if (!f->is_object()) bad_field("filters", "'filters' must be an object with path, tags, document_ids");
    if (auto p = f->find("path"); p != f->end()) q.filter.path_globs = strings(*p, "filters.path");
    if (auto t = f->find("tags"); t != f->end()) q.filter.tags = strings(*t, "filters.tags");
    if (auto d = f->find("document_ids"); d != f->end()) {
      if (!d->is_array()) bad_field("filters.document_ids", "'filters.document_ids' must be a list of ids");
      for (const auto& id : *d) {
        if (!id.is_number_integer()) bad_field("filters.document_ids", "document ids are integers");
        q.filter.document_ids.push_back(id.get<int64_t>());
      }
    }
  }
  q.max_tokens = integer(json, "max_tokens", 1, 1 << 20, 256);
  if (auto t = json.find("temperature"); t != json.end() && !t->is_null()) {
    if (!t->is_number() || t->get<double>() < 0 || t->get<double>() > 2)
      bad_field("temperature", "'temperature' must be a number between 0 and 2");
    q.temperature = t->get<float>();
  }
  if (auto s = json.find("stream"); s != json.end() && !s->is_null()) {
    if (!s->is_boolean()) bad_field("stream", "'stream' must be true or false");
    q.stream = s->get<bool>();
  }
  return q;
}

// The sources; with `cited`, each says whether the answer cites it.
ordered_json sources_json(const std::vector<retrieve::SearchHit>& sources, const std::vector<int>* cited) {
  ordered_json out = ordered_json::array();
  for (size_t i = 0; i < sources.size(); ++i) {
    const retrieve::SearchHit& hit = sources[i];
    ordered_json source = {{"number", i + 1},
                           {"path", hit.path},
                           {"document_id", hit.document_id},
                           {"chunk_id", hit.chunk_id},
                           {"byte_begin", hit.byte_begin},
                           {"byte_end", hit.byte_end},
                           {"line_begin", hit.line_begin},
                           {"line_end", hit.line_end},
                           {"page", hit.page},
                           {"headings", hit.headings},
                           {"score", hit.score},
                           {"text", hit.text}};
    if (cited) source["cited"] = std::ranges::find(*cited, int(i + 1)) != cited->end();
    out.push_back(source);
  }
  return out;
}

ordered_json usage_json(const SequenceOutput& o) {
  return {{"prompt_tokens", o.prompt_tokens},
          {"completion_tokens", o.completion_tokens},
          {"total_tokens", o.prompt_tokens + o.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", o.cached_tokens}}}};
}

ordered_json document_json(const store::DocumentRecord& d) {
  return {{"id", d.id},          {"object", "document"},    {"name", d.path},
          {"bytes", d.size},     {"chunks", d.chunk_count}, {"ingested_at", d.ingested_at},
          {"chunker", d.chunker}};
}

}  // namespace

RagRoutes::RagRoutes(Engine& engine, std::string model_name, std::filesystem::path db)
    : engine_(&engine), model_name_(std::move(model_name)), db_(std::move(db)), readers_(db_) {
  if (const auto& source = engine.tokenizer().config().chat_template) chat_template_.emplace(*source);
  store::Catalog catalog(db_);  // creates it (and its schema) when missing; fails early when unusable
}

void RagRoutes::query(const httplib::Request& req, httplib::Response& res) {
  const RagQuery q = parse_rag_query(req.body);
  if (q.model && *q.model != model_name_)
    throw ApiError{404, "The model `" + *q.model + "` does not exist.", "not_found_error", "model",
                   "model_not_found"};
  if (!chat_template_)
    throw ApiError{400, "the model has no chat template", "invalid_request_error", std::nullopt,
                   std::nullopt};
  try {
    retrieve::fts5_query(q.question);
  } catch (const Error& e) {
    bad_field("question", e.what());
  }
  std::vector<retrieve::SearchHit> hits;
  {
    const store::CatalogReaders::Lease lease = readers_.lease();
    store::Catalog& catalog = *lease;
    store::ReadTransaction snapshot(catalog.database());
    retrieve::SearchRequest request;
    request.query = q.question;
    request.candidates =
        std::max(q.top_k, q.candidates ? q.candidates : (q.select == "top-k" ? q.top_k : 50));
    request.filter = q.filter;
    request.bm25_index = &bm25_index_;
    retrieve::SelectionLimits limits;
    limits.top_k = q.top_k;
    limits.token_budget = q.budget;
    hits = retrieve::make_catalog_selector(catalog, q.select, {})
               ->select(retrieve::ranked_candidates(catalog, request, nullptr), limits);
  }
  const int64_t max_prompt = engine_->max_request_tokens() - q.max_tokens;
  if (max_prompt < 1) bad_field("max_tokens", "'max_tokens' leaves no room for the prompt");
  rag::GroundedPrompt prompt;
  try {
    prompt = rag::build_grounded_prompt(engine_->tokenizer(), *chat_template_, q.question, std::move(hits),
                                        max_prompt);
  } catch (const Error& e) {
    bad_field("question", e.what());
  }

  EngineRequest request;
  request.prompt = prompt.ids;
  request.sampling = generate::default_sampling_params(engine_->model());
  request.sampling.temperature = q.temperature;
  request.stop.stop_token_ids = generate::default_stop_token_ids(engine_->model());
  request.stop.max_tokens = q.max_tokens;
  auto queue = std::make_shared<OutputQueue>();
  const RequestHandle handle =
      engine_->submit(std::move(request), [queue](const SequenceOutput& output) { queue->push(output); });
  const std::string id = fmt::format("rag-{:016x}", uint64_t(unix_time()) * 0x9E3779B97F4A7C15ull ^
                                                        reinterpret_cast<uintptr_t>(queue.get()));
  const int64_t created = unix_time();
  auto sources = std::make_shared<std::vector<retrieve::SearchHit>>(std::move(prompt.sources));

  if (!q.stream) {
    std::string answer;
    for (;;) {
      std::optional<SequenceOutput> output = queue->pop(1000ms);
      if (!output) continue;
      if (output->error)
        throw ApiError{500, *output->error, "internal_server_error", std::nullopt, std::nullopt};
      answer += output->text;
      if (!output->finish_reason) continue;
      const std::vector<int> cited = rag::cited_sources(answer, sources->size());
      res.set_content(json_text({{"id", id},
                                 {"object", "rag.answer"},
                                 {"created", created},
                                 {"model", model_name_},
                                 {"answer", answer},
                                 {"finish_reason", generate::to_string(*output->finish_reason)},
                                 {"citations", cited},
                                 {"sources", sources_json(*sources, &cited)},
                                 {"usage", usage_json(*output)}}),
                      "application/json");
      return;
    }
  }

  struct State {
    bool sent_sources = false;
    bool finished = false;
    std::string answer;
  };
  auto state = std::make_shared<State>();
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, id, created, queue, sources, state](size_t, httplib::DataSink& sink) {
        auto send = [&](const ordered_json& json) {
          const std::string event = "data: " + json_text(json) + "\n\n";
          return sink.write(event.data(), event.size());
        };
        auto done = [&] {
          static constexpr char text[] = "data: [DONE]\n\n";
          sink.write(text, sizeof(text) - 1);
          sink.done();
          state->finished = true;
        };
        if (!state->sent_sources) {
          state->sent_sources = true;
          return send({{"id", id},
                       {"object", "rag.sources"},
                       {"created", created},
                       {"model", model_name_},
                       {"sources", sources_json(*sources, nullptr)}});
        }
        std::optional<SequenceOutput> output = queue->pop(1000ms);
        if (!output) {
          static constexpr char keep_alive[] = ": keep-alive\n\n";
          return sink.write(keep_alive, sizeof(keep_alive) - 1);
        }
        if (output->error) {
          send(ApiError{500, *output->error, "internal_server_error", std::nullopt, std::nullopt}.body());
          done();
          return true;
        }
        state->answer += output->text;
        ordered_json chunk = {{"id", id}, {"object", "rag.answer.chunk"}, {"delta", output->text}};
        if (output->finish_reason) {
          chunk["finish_reason"] = generate::to_string(*output->finish_reason);
          chunk["citations"] = rag::cited_sources(state->answer, sources->size());
          chunk["usage"] = usage_json(*output);
        }
        if (!send(chunk)) return false;
        if (output->finish_reason) done();
        return true;
      },
      [state, handle](bool) {
        if (!state->finished) handle.cancel();
      });
}

void RagRoutes::upload(const httplib::Request& req, httplib::Response& res) {
  std::string name, content;
  if (req.is_multipart_form_data()) {
    if (!req.has_file("file")) bad_field("file", "a multipart upload needs a 'file' field");
    const httplib::MultipartFormData file = req.get_file_value("file");
    name = file.filename;
    content = file.content;
  } else {
    ordered_json json;
    try {
      json = ordered_json::parse(req.body);
    } catch (const nlohmann::json::exception& e) {
      bad_field("content", std::string("the request body is not valid JSON: ") + e.what());
    }
    if (!json.is_object() || !json.contains("name") || !json["name"].is_string() ||
        !json.contains("content") || !json["content"].is_string())
      bad_field("content", "expected {\"name\": \"notes.md\", \"content\": \"...\"} or a multipart 'file'");
    name = json["name"].get<std::string>();
    content = json["content"].get<std::string>();
  }
  if (name.empty() || name.find('\0') != std::string::npos || name.size() > 1024)
    bad_field("name", "a document needs a name (its extension names the format: .md, .html, .pdf, .txt)");
  std::lock_guard lock(write_mutex_);
  store::Catalog catalog(db_);
  std::vector<std::string> warnings;
  ingest::IngestCallbacks callbacks;
  callbacks.on_warning = [&](const std::string& warning) { warnings.push_back(warning); };
  const ingest::IngestSummary summary =
      ingest::ingest_document(catalog, name, std::move(content), {}, callbacks);
  if (summary.failed > 0 || summary.skipped > 0)
    throw ApiError{
        400, fmt::format("{}: not ingested ({})", name, warnings.empty() ? "empty or binary" : warnings[0]),
        "invalid_request_error", "content", std::nullopt};
  const auto record = catalog.find_document(name);
  if (!record)
    throw ApiError{500, name + ": ingested but not found", "internal_server_error", std::nullopt,
                   std::nullopt};
  ordered_json out = document_json(*record);
  out["status"] = summary.added ? "added" : summary.replaced ? "replaced" : "unchanged";
  res.status = summary.added ? 201 : 200;
  res.set_content(json_text(out), "application/json");
}

void RagRoutes::list(httplib::Response& res) {
  const store::CatalogReaders::Lease catalog = readers_.lease();
  ordered_json data = ordered_json::array();
  for (const store::DocumentRecord& d : catalog->documents()) data.push_back(document_json(d));
  res.set_content(json_text({{"object", "list"}, {"data", data}}), "application/json");
}

void RagRoutes::remove(int64_t id, httplib::Response& res) {
  std::lock_guard lock(write_mutex_);
  store::Catalog catalog(db_);
  for (const store::DocumentRecord& d : catalog.documents()) {
    if (d.id != id) continue;
    catalog.remove_documents(d.path);
    res.set_content(json_text({{"id", id}, {"object", "document"}, {"deleted", true}}), "application/json");
    return;
  }
  throw ApiError{404, fmt::format("no document {}", id), "not_found_error", "id", std::nullopt};
}

}  // namespace chunkwise::serve::http
