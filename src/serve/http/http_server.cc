#include "serve/http/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "generate/generator.h"
#include "serve/http/api_error.h"
#include "serve/http/completion_request.h"
#include "serve/http/completion_response.h"
#include "serve/http/json_body.h"
#include "serve/http/output_queue.h"
#include "serve/http/prometheus_metrics.h"
#include "serve/http/rag_routes.h"
#include "text/jinja/chat_template.h"

namespace chunkwise::serve::http {

namespace {

using ordered_json = nlohmann::ordered_json;
using namespace std::chrono_literals;

void send_error(httplib::Response& res, const ApiError& error) {
  res.status = error.status;
  res.set_content(json_text(error.body()), "application/json");
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string base64(std::string_view bytes) {
  static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t group = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) group |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) group |= uint8_t(bytes[i + 2]);
    out += digits[(group >> 18) & 63];
    out += digits[(group >> 12) & 63];
    out += i + 1 < bytes.size() ? digits[(group >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? digits[group & 63] : '=';
  }
  return out;
}

}  // namespace

struct HttpServer::Impl {
  Engine& engine;
  const model::Embedder* embedder;
  ServerOptions options;
  httplib::Server server;
  std::optional<text::jinja::ChatTemplate> chat_template;
  std::atomic<uint64_t> next_id{1};
  std::mutex embed_mutex;
  int64_t started = unix_time();
  PrometheusMetrics metrics;
  std::unique_ptr<RagRoutes> rag;
  int listening_socket = -1;

  Impl(Engine& engine_, const model::Embedder* embedder_, ServerOptions options_)
      : engine(engine_), embedder(embedder_), options(std::move(options_)) {
    if (const auto& source = engine.tokenizer().config().chat_template) chat_template.emplace(*source);
    if (!options.db.empty()) rag = std::make_unique<RagRoutes>(engine, options.model_name, options.db);
    routes();
  }

  void check_model(const std::optional<std::string>& model, const std::string& served) const {
    if (model && *model != served)
      throw ApiError{404, "The model `" + *model + "` does not exist (this server serves `" + served + "`).",
                     "not_found_error", "model", "model_not_found"};
  }

  // Runs `body`, turning every error into an OpenAI error response.
  template <typename Body>
  void guarded(httplib::Response& res, Body&& body) {
    try {
      body();
    } catch (const ApiError& e) {
      send_error(res, e);
    } catch (const Error& e) {
      send_error(res, api_error_of(e));
    } catch (const std::bad_alloc&) {
      send_error(res, {507, "out of memory", "internal_server_error", std::nullopt, std::nullopt});
    } catch (const std::exception& e) {
      send_error(res, {500, e.what(), "internal_server_error", std::nullopt, std::nullopt});
    }
    metrics.count_response(res.status);
  }

  std::vector<int32_t> prompt_ids(const CompletionRequest& request) const {
    const text::Tokenizer& tokenizer = engine.tokenizer();
    if (request.endpoint == Endpoint::completion) {
      if (request.prompt_ids) return *request.prompt_ids;
      return tokenizer.encode(*request.prompt_text, /*add_special_tokens=*/true);
    }
    if (!chat_template)
      throw ApiError{400, "the model has no chat template: use /v1/completions", "invalid_request_error",
                     "messages", std::nullopt};
    text::jinja::ChatTemplateInputs inputs;
    inputs.messages = request.messages;
    inputs.tools = request.tools;
    inputs.add_generation_prompt = true;
    inputs.extra["bos_token"] = tokenizer.config().bos_token.value_or("");
    inputs.extra["eos_token"] = tokenizer.config().eos_token.value_or("");
    for (const auto& [key, value] : request.template_kwargs.items()) {
      if (key == "add_generation_prompt" && value.is_boolean())
        inputs.add_generation_prompt = value.get<bool>();
      else
        inputs.extra[key] = value;
    }
    std::string rendered;
    try {
      rendered = chat_template->apply(inputs);
    } catch (const Error& e) {
      throw ApiError{400, std::string("chat template: ") + e.what(), "invalid_request_error", "messages",
                     std::nullopt};
    }
    return tokenizer.encode(rendered, /*add_special_tokens=*/false);  // the template holds them
  }

  EngineRequest engine_request(const CompletionRequest& request) const {
    const model::DecoderModel& model = engine.model();
    EngineRequest out;
    out.prompt = prompt_ids(request);
    if (out.prompt.empty())
      throw ApiError{400, "the prompt is empty", "invalid_request_error", "prompt", std::nullopt};
    // The model's generation_config.json sets the defaults (as vLLM does), the request overrides them.
    generate::SamplingParams& s = out.sampling;
    if (const auto& generation = model.directory().generation) {
      if (generation->temperature) s.temperature = float(*generation->temperature);
      if (generation->top_k) s.top_k = int(*generation->top_k);
      if (generation->top_p) s.top_p = float(*generation->top_p);
      if (generation->min_p) s.min_p = float(*generation->min_p);
      if (generation->repetition_penalty) s.repetition_penalty = float(*generation->repetition_penalty);
    }
    if (request.temperature) s.temperature = *request.temperature;
    if (request.top_k) s.top_k = *request.top_k;
    if (request.top_p) s.top_p = *request.top_p;
    if (request.min_p) s.min_p = *request.min_p;
    if (request.repetition_penalty) s.repetition_penalty = *request.repetition_penalty;
    s.presence_penalty = request.presence_penalty;
    s.frequency_penalty = request.frequency_penalty;
    s.seed = request.seed;
    s.logprobs = request.logprobs;
    if (!request.ignore_eos) out.stop.stop_token_ids = generate::default_stop_token_ids(model);
    for (int32_t id : request.stop_token_ids)
      if (id < model.config().vocab_size) out.stop.stop_token_ids.push_back(id);
    out.stop.stop_strings = request.stop;
    const int64_t room = engine.max_request_tokens() - int64_t(out.prompt.size());
    if (room < 1 && !request.max_tokens)
      throw ApiError{400,
                     "this model's maximum context length is " + std::to_string(engine.max_request_tokens()) +
                         " tokens, but the prompt has " + std::to_string(out.prompt.size()),
                     "invalid_request_error", "messages", std::nullopt};
    out.stop.max_tokens = request.max_tokens.value_or(room);
    out.skip_special_tokens = request.skip_special_tokens;
    return out;
  }

  void completion(const httplib::Request& req, httplib::Response& res, Endpoint endpoint) {
    const CompletionRequest request = parse_completion_request(req.body, endpoint);
    check_model(request.model, options.model_name);
    EngineRequest engine_req = engine_request(request);
    auto queue = std::make_shared<OutputQueue>();
    CompletionIdentity identity{endpoint,
                                fmt::format("{}-{:016x}", endpoint == Endpoint::chat ? "chatcmpl" : "cmpl",
                                            next_id.fetch_add(1) * 0x9E3779B97F4A7C15ull),
                                unix_time(), options.model_name};
    const RequestHandle handle =
        engine.submit(std::move(engine_req), [queue](const SequenceOutput& output) { queue->push(output); });
    if (request.stream)
      stream(res, request, identity, queue, handle);
    else
      wait_and_respond(res, request, identity, queue, handle);
  }

  std::optional<ordered_json> logprobs_of(const CompletionRequest& request, const SequenceOutput& output,
                                          size_t text_offset) const {
    if (!request.logprobs) return std::nullopt;
    return logprobs_json(request.endpoint, engine.tokenizer(), output.logprobs, text_offset);
  }

  // A non-streaming answer. One that is ready within heartbeat_ms goes out as a plain response; one still
  // running then switches to a chunked JSON response that writes a space every heartbeat_ms while it waits
  // (JSON allows leading whitespace): the writes are how a client that hung up is noticed, and its request is
  // cancelled like a stream's.
  void wait_and_respond(httplib::Response& res, const CompletionRequest& request,
                        const CompletionIdentity& identity, std::shared_ptr<OutputQueue> queue,
                        RequestHandle handle) {
    struct Answer {
      std::string text;
      std::vector<generate::SampledToken> logprobs;
      bool finished = false;
    };
    auto answer = std::make_shared<Answer>();
    const std::chrono::milliseconds heartbeat(std::max(options.heartbeat_ms, 1));
    // The response for `output`, once it is the last one; throws ApiError for an engine error.
    auto absorb = [this, request, identity,
                   answer](const SequenceOutput& output) -> std::optional<std::string> {
      if (output.error)
        throw ApiError{500, *output.error, "internal_server_error", std::nullopt, std::nullopt};
      answer->text += output.text;
      answer->logprobs.insert(answer->logprobs.end(), output.logprobs.begin(), output.logprobs.end());
      if (!output.finish_reason) return std::nullopt;
      SequenceOutput all;
      all.logprobs = answer->logprobs;
      const Usage usage{output.prompt_tokens, output.completion_tokens, output.cached_tokens};
      return json_text(
          completion_json(identity, answer->text, output.finish_reason, logprobs_of(request, all, 0), usage));
    };
    const auto deadline = std::chrono::steady_clock::now() + heartbeat;
    for (auto now = std::chrono::steady_clock::now(); now < deadline;
         now = std::chrono::steady_clock::now()) {
      std::optional<SequenceOutput> output =
          queue->pop(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + 1ms);
      if (!output) continue;
      if (std::optional<std::string> body = absorb(*output)) {
        res.set_content(*body, "application/json");
        return;
      }
    }
    res.set_chunked_content_provider(
        "application/json",
        [queue, answer, absorb, heartbeat](size_t, httplib::DataSink& sink) {
          std::optional<SequenceOutput> output = queue->pop(heartbeat);
          if (!output) return sink.write(" ", 1);  // fails once the client is gone
          std::string body;
          try {
            std::optional<std::string> last = absorb(*output);
            if (!last) return true;
            body = std::move(*last);
          } catch (const ApiError& e) {  // the status is sent already: the error object is the body
            body = json_text(e.body());
          }
          answer->finished = true;
          const bool ok = sink.write(body.data(), body.size());
          sink.done();
          return ok;
        },
        [answer, handle](bool) {
          if (!answer->finished) handle.cancel();
        });
  }

  void stream(httplib::Response& res, const CompletionRequest& request, const CompletionIdentity& identity,
              std::shared_ptr<OutputQueue> queue, RequestHandle handle) {
    struct State {
      bool first = true;
      bool finished = false;
      size_t text_offset = 0;
    };
    auto state = std::make_shared<State>();
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, request, identity, queue, state](size_t, httplib::DataSink& sink) {
          auto send = [&](const ordered_json& json) {
            const std::string event = "data: " + json_text(json) + "\n\n";
            return sink.write(event.data(), event.size());
          };
          std::optional<SequenceOutput> output = queue->pop(1000ms);
          if (!output) {  // nothing yet: a comment line, which also finds out whether the client left
            static constexpr char keep_alive[] = ": keep-alive\n\n";
            return sink.write(keep_alive, sizeof(keep_alive) - 1);
          }
          if (output->error) {
            state->finished = true;
            send(ApiError{500, *output->error, "internal_server_error", std::nullopt, std::nullopt}.body());
            static constexpr char done[] = "data: [DONE]\n\n";
            sink.write(done, sizeof(done) - 1);
            sink.done();
            return true;
          }
          const bool ok = send(chunk_json(identity, output->text, state->first, output->finish_reason,
                                          logprobs_of(request, *output, state->text_offset)));
          state->first = false;
          state->text_offset += output->text.size();
          if (!ok) return false;
          if (output->finish_reason) {
            state->finished = true;
            if (request.include_usage)
              send(usage_chunk_json(
                  identity, {output->prompt_tokens, output->completion_tokens, output->cached_tokens}));
            static constexpr char done[] = "data: [DONE]\n\n";
            sink.write(done, sizeof(done) - 1);
            sink.done();
          }
          return true;
        },
        [state, handle](bool) {
          if (!state->finished) handle.cancel();  // the client went away (or the write failed)
        });
  }

  void embeddings(const httplib::Request& req, httplib::Response& res) {
    if (!embedder)
      throw ApiError{404, "this server has no embedding model (start it with --embedding-model DIR)",
                     "not_found_error", "model", "model_not_found"};
    const EmbeddingRequest request = parse_embedding_request(req.body);
    check_model(request.model, options.embedding_model_name);
    if (request.dimensions && *request.dimensions != embedder->dimension())
      throw ApiError{400,
                     "this model's embeddings have " + std::to_string(embedder->dimension()) + " dimensions",
                     "invalid_request_error", "dimensions", std::nullopt};
    std::vector<std::vector<int32_t>> ids = request.token_ids;
    for (const std::string& text : request.texts) ids.push_back(embedder->tokenize(text));
    int64_t tokens = 0;
    for (const auto& sequence : ids) {
      if (int64_t(sequence.size()) > embedder->max_tokens())
        throw ApiError{400,
                       "an input has " + std::to_string(sequence.size()) + " tokens; the limit is " +
                           std::to_string(embedder->max_tokens()),
                       "invalid_request_error", "input", std::nullopt};
      for (int32_t id : sequence)
        if (id >= int32_t(embedder->tokenizer().vocab_size()))
          throw ApiError{400, "token id " + std::to_string(id) + " is not in the vocabulary",
                         "invalid_request_error", "input", std::nullopt};
      tokens += int64_t(sequence.size());
    }
    std::vector<std::vector<float>> vectors;
    {
      std::lock_guard lock(embed_mutex);
      for (size_t begin = 0; begin < ids.size(); begin += 32) {  // bounded batches
        const size_t end = std::min(ids.size(), begin + 32);
        auto part = embedder->embed_tokens(std::span(ids).subspan(begin, end - begin));
        for (auto& v : part) vectors.push_back(std::move(v));
      }
    }
    ordered_json data = ordered_json::array();
    for (size_t i = 0; i < vectors.size(); ++i) {
      ordered_json item = {{"object", "embedding"}, {"index", i}};
      if (request.encoding_format == "base64") {
        const std::string raw(reinterpret_cast<const char*>(vectors[i].data()),
                              vectors[i].size() * sizeof(float));
        item["embedding"] = base64(raw);
      } else {
        item["embedding"] = vectors[i];
      }
      data.push_back(item);
    }
    res.set_content(json_text({{"object", "list"},
                               {"data", data},
                               {"model", options.embedding_model_name},
                               {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}}),
                    "application/json");
  }

  void models(httplib::Response& res) {
    ordered_json data = ordered_json::array();
    data.push_back({{"id", options.model_name},
                    {"object", "model"},
                    {"created", started},
                    {"owned_by", "chunkwise"},
                    {"max_model_len", engine.max_request_tokens()}});
    if (embedder && options.embedding_model_name != options.model_name)
      data.push_back({{"id", options.embedding_model_name},
                      {"object", "model"},
                      {"created", started},
                      {"owned_by", "chunkwise"},
                      {"max_model_len", embedder->max_tokens()}});
    res.set_content(json_text({{"object", "list"}, {"data", data}}), "application/json");
  }

  void routes() {
    // cpp-httplib listens with a backlog of 5: a burst of clients connecting at once would overflow it and
    // see resets. Keep the listening socket (the options callback sees it first) to raise it after bind.
    server.set_socket_options([this](socket_t sock) {
      httplib::default_socket_options(sock);
      listening_socket = sock;
    });
    server.set_payload_max_length(options.max_body_bytes);
    const int threads = std::max(options.threads, 4);
    server.new_task_queue = [threads] { return new httplib::ThreadPool(size_t(threads)); };
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (options.api_keys.empty() || req.path == "/health")
        return httplib::Server::HandlerResponse::Unhandled;
      const std::string header = req.get_header_value("Authorization");
      const std::string prefix = "Bearer ";
      if (header.compare(0, prefix.size(), prefix) == 0) {
        const std::string key = header.substr(prefix.size());
        for (const std::string& allowed : options.api_keys)
          if (constant_time_equal(key, allowed)) return httplib::Server::HandlerResponse::Unhandled;
      }
      send_error(res, {401,
                       header.empty() ? "missing API key: send Authorization: Bearer KEY"
                                      : "incorrect API key provided",
                       "invalid_request_error", std::nullopt, "invalid_api_key"});
      metrics.count_response(401);
      return httplib::Server::HandlerResponse::Handled;
    });
    server.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string message = "error";
      if (res.status == 404) message = "no route " + req.method + " " + req.path;
      if (res.status == 413)
        message = "the request body is larger than " + std::to_string(options.max_body_bytes) + " bytes";
      if (res.status == 405) message = "method not allowed";
      if (res.status == 400) message = "malformed HTTP request";
      send_error(res, {res.status, message, "invalid_request_error", std::nullopt, std::nullopt});
      metrics.count_response(res.status);
    });
    server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"status":"ok"})", "application/json");
    });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics.render(engine), "text/plain; version=0.0.4");
    });
    server.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      guarded(res, [&] { models(res); });
    });
    server.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      guarded(res, [&] { completion(req, res, Endpoint::chat); });
    });
    server.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
      guarded(res, [&] { completion(req, res, Endpoint::completion); });
    });
    server.Post("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
      guarded(res, [&] { embeddings(req, res); });
    });
    auto with_catalog = [this](httplib::Response& res, auto body) {
      guarded(res, [&] {
        if (!rag)
          throw ApiError{404, "this server has no document catalog (start it with --db FILE)",
                         "not_found_error", std::nullopt, std::nullopt};
        body();
      });
    };
    server.Post("/v1/rag/query", [this, with_catalog](const httplib::Request& req, httplib::Response& res) {
      with_catalog(res, [&] { rag->query(req, res); });
    });
    server.Post("/v1/documents", [this, with_catalog](const httplib::Request& req, httplib::Response& res) {
      with_catalog(res, [&] { rag->upload(req, res); });
    });
    server.Get("/v1/documents", [this, with_catalog](const httplib::Request&, httplib::Response& res) {
      with_catalog(res, [&] { rag->list(res); });
    });
    server.Delete(R"(/v1/documents/(\d{1,18}))",
                  [this, with_catalog](const httplib::Request& req, httplib::Response& res) {
                    with_catalog(res, [&] { rag->remove(std::stoll(req.matches[1]), res); });
                  });
  }
};

HttpServer::HttpServer(Engine& engine, const model::Embedder* embedder, ServerOptions options)
    : impl_(std::make_unique<Impl>(engine, embedder, std::move(options))) {}

HttpServer::~HttpServer() {
  stop();
}

int HttpServer::bind() {
  const ServerOptions& o = impl_->options;
  const int port = o.port == 0 ? impl_->server.bind_to_any_port(o.host)
                               : (impl_->server.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0)
    fail(ErrorKind::io, "cannot listen on {}:{} (in use, or not an address of this machine)", o.host, o.port);
  if (impl_->listening_socket >= 0) ::listen(impl_->listening_socket, SOMAXCONN);
  return port;
}

void HttpServer::listen() {
  impl_->server.listen_after_bind();
}

void HttpServer::stop() {
  if (impl_) impl_->server.stop();
}

}  // namespace chunkwise::serve::http
